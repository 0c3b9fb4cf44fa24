"""``python -m benchmarks`` (``make bench``): every speed and memory benchmark, one after
the other.

Each prints ratios against a baseline measured in the same run (Lava for the emulator,
the reference simulator for ONNX, the previous file format for spike I/O) and how it
timed them on this shared machine (benchmarks/timing.py). The differential sweep (>= 200
random graphs, emulator vs Lava, bit for bit) is a correctness run, not a speed one:
``python -m benchmarks.differential``; so is its Xylo twin (>= 200 random Xylo Audio 2
networks, emulator vs SynSense's XyloSim): ``python -m benchmarks.differential_xylo``.
"""

import runpy
import sys

SPEED = [
    "benchmarks.cli_startup",
    "benchmarks.cli_vs_lava",
    "benchmarks.emulator_vs_lava",
    "benchmarks.spike_io",
    "benchmarks.emulator_memory",
    "benchmarks.compile_time",
    "benchmarks.onnx_step",
    "benchmarks.evaluate_workers",
]

#: benchmarks that write their tables into docs/ (benchmarks/doc_tables.py)
WRITES_DOCS = {"benchmarks.onnx_step", "benchmarks.cli_startup", "benchmarks.cli_vs_lava", "benchmarks.emulator_vs_lava", "benchmarks.spike_io", "benchmarks.emulator_memory", "benchmarks.compile_time", "benchmarks.differential", "benchmarks.mutation", "benchmarks.evaluate_workers", "benchmarks.differential_xylo", "benchmarks.c_vs_emulator", "benchmarks.robustness_costs", "benchmarks.fuzz", "benchmarks.mcu_cycles", "benchmarks.estimates_braille", "benchmarks.mcu_entry", "benchmarks.mixed_zoo", "benchmarks.hdf5_flips"}  # noqa: E501

#: correctness runs that write docs too, run by their own commands (not timed, long):
#: ``python -m benchmarks.differential --write-docs`` (and ``differential_xylo``, ``c_vs_emulator``,
#: ``mcu_cycles``, ``mcu_entry``, ``robustness_costs``, ``fuzz``, ``estimates_braille``, ``mixed_zoo``,
#: ``hdf5_flips``), ``make mutation``
SEPARATE = {"benchmarks.differential", "benchmarks.differential_xylo", "benchmarks.mutation", "benchmarks.c_vs_emulator",
            "benchmarks.mcu_cycles", "benchmarks.mcu_entry", "benchmarks.robustness_costs", "benchmarks.fuzz",
            "benchmarks.estimates_braille", "benchmarks.mixed_zoo", "benchmarks.hdf5_flips"}

for name in SPEED:
    print(f"\n=== {name} ===", flush=True)
    sys.argv = [name, *(["--write-docs"] if name in WRITES_DOCS else [])]
    runpy.run_module(name, run_name="__main__")

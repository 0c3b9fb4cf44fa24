"""``python -m benchmarks`` (``make bench``): every speed benchmark, one after the other.

Each prints ratios against a baseline measured in the same run (Lava for the emulator,
the reference simulator for ONNX); emulator_memory prints the peak memory of a
1 M-neuron run. The differential sweep (≥200 random graphs, emulator vs
Lava, bit for bit) is a correctness run, not a speed one: ``python -m benchmarks.differential``.
"""

import runpy
import sys

SPEED = ["benchmarks.emulator_vs_lava", "benchmarks.emulator_memory", "benchmarks.onnx_step",
         "benchmarks.evaluate_workers"]

for name in SPEED:
    print(f"\n=== {name} ===", flush=True)
    sys.argv = [name]
    runpy.run_module(name, run_name="__main__")

"""Emulator vs Lava through the command line, as a user runs them.

    python -m benchmarks.cli_vs_lava [--steps 1000] [--batch 256] [--repeats 3] [--keep DIR] [--write-docs]

A float 3 x 256 LIF network (.snnir) is compiled with ``snncompile compile`` for loihi2;
then, each a fresh ``snncompile`` process that reads the artifact and the input file and
writes its output file:

- ``snncompile simulate net.snnc --input in256.npz -o emu.npz`` (the emulator, the
  default for an artifact, batch ``--batch``, every core);
- ``snncompile simulate net.snnc --backend lava --input in1.npz -o lava.npz`` (batch 1:
  Lava has no batch).

Throughput is samples x steps per wall second of the whole command (start-up, reading,
running, writing); the ratio is emulator over Lava, measured in this run; the first
sample's output spikes must be equal. The input files hold spikes as bool. The emulator
command runs once first with a short input so that numba's cache exists (a fresh
checkout compiles the loop once; that first-run time is printed too).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.timing import load, print_report, run_command
from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph

CLI = [sys.executable, "-m", "snncompile"]


def float_network(width: int = 256, seed: int = 0) -> Graph:
    """Three Linear (50% zero) + LIF layers; with 5% input spikes, about 5% of neurons fire
    per step (the float reference: 4.5, 5.0, 5.6% by layer)."""
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(width,)))
    prev = "x"
    for i in range(3):
        w = rng.normal(-0.01, 0.25, (width, width))
        w[rng.random((width, width)) < 0.5] = 0
        g.add(f"fc{i}", Linear(weight=w))
        g.add(f"lif{i}", LIF(shape=(width,), decay=0.9, threshold=1.0))
        g.chain(prev, f"fc{i}", f"lif{i}")
        prev = f"lif{i}"
    g.add("y", Output(shape=(width,)))
    g.chain(prev, "y")
    return g


def run(folder: Path, steps: int, batch: int, repeats: int) -> dict:
    save_graph(float_network(), folder / "net.snnir")
    x = np.random.default_rng(1).random((batch, steps, 256)) < 0.05
    np.savez(folder / "in.npz", input=x)
    np.savez(folder / "in1.npz", input=x[:1])
    np.savez(folder / "cal.npz", input=x[:16])
    np.savez(folder / "warm.npz", input=x[:2, :10])
    art = str(folder / "net.snnc")
    compile_t = run_command([*CLI, "compile", str(folder / "net.snnir"), "--calibrate", str(folder / "cal.npz"),
                             "-o", art])
    first = run_command([*CLI, "simulate", art, "--input", str(folder / "warm.npz"), "--no-progress"])
    load_before = load()
    emu = run_command([*CLI, "simulate", art, "--input", str(folder / "in.npz"), "-o", str(folder / "emu.npz"),
                       "--no-progress"], repeats)
    lava = run_command([*CLI, "simulate", art, "--backend", "lava", "--input", str(folder / "in1.npz"), "-o",
                        str(folder / "lava.npz"), "--no-progress"])
    with np.load(folder / "emu.npz", allow_pickle=False) as e, np.load(folder / "lava.npz", allow_pickle=False) as lv:
        same = bool(np.array_equal(e["output"][0], lv["output"][0]))
        rate = float(e["output"].mean())
        dtype = str(e["output"].dtype)
    emu_rate = batch * steps / emu.wall
    lava_rate = steps / lava.wall
    return {"cli_3x256": {
        "steps": steps, "batch": batch, "load_average_before": load_before,
        "compile_s": compile_t.wall, "first_emulator_command_s (numba cache)": first.wall,
        "emulator_command_s": emu.wall, "emulator_command_cpu_s": emu.cpu,
        "lava_command_s": lava.wall, "lava_command_cpu_s": lava.cpu,
        "emulator_samples_steps_per_s": emu_rate, "lava_samples_steps_per_s": lava_rate,
        "ratio": emu_rate / lava_rate, "first_sample_equal": same, "output_spike_rate": rate,
        "output_dtype": dtype, "output_file_mb": (folder / "emu.npz").stat().st_size / 1e6,
        "load_average_after": load(),
    }}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", help="work in this folder (kept) instead of a temporary one")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/loihi.md")
    args = parser.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        report = run(Path(args.keep), args.steps, args.batch, args.repeats)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(Path(tmp), args.steps, args.batch, args.repeats)
    print_report(report)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        write_block("loihi.md", "cli_vs_lava", report_table(report), f"python -m benchmarks.cli_vs_lava --steps {args.steps} --batch {args.batch} "
                    f"--repeats {args.repeats} --write-docs")


if __name__ == "__main__":
    main()

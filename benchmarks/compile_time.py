"""Compile time through the command line: ``snncompile compile`` of 4 dense LIF layers.

    python -m benchmarks.compile_time [--widths 512,1600] [--repeats 2] [--write-docs]

4 x 512^2 is about 1 M synapses, 4 x 1600^2 about 10 M. Each model is a float ``.snnir``
(weights N(0, 1/n)), compiled for loihi2 without calibration data, in a fresh process:
start-up, reading, quantization and writing the artifact. Best of ``--repeats``; the
start-up alone (``--version``) is printed beside it.
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


def dense_layers(n: int, layers: int = 4, seed: int = 0) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(n,)))
    prev = "x"
    for i in range(layers):
        g.add(f"fc{i}", Linear(weight=rng.normal(0, 1 / np.sqrt(n), (n, n))))
        g.add(f"lif{i}", LIF(shape=(n,), decay=0.9))
        g.chain(prev, f"fc{i}", f"lif{i}")
        prev = f"lif{i}"
    g.add("y", Output(shape=(n,)))
    g.chain(prev, "y")
    return g


def run(widths: list[int], repeats: int) -> dict:
    rows: dict = {"load_average_before": load(),
                  "start-up (snncompile --version) s": run_command([*CLI, "--version"], repeats).wall}
    with tempfile.TemporaryDirectory() as tmp:
        for n in widths:
            model, out = Path(tmp) / f"d{n}.snnir", Path(tmp) / f"d{n}.snnc"
            save_graph(dense_layers(n), model)
            t = run_command([*CLI, "compile", str(model), "-o", str(out)], repeats)
            rows[f"4 x {n}^2 ({4 * n * n / 1e6:.1f} M synapses): compile s"] = t.wall
            rows[f"4 x {n}^2: compile cpu_s"] = t.cpu
            rows[f"4 x {n}^2: artifact MB"] = out.stat().st_size / 1e6
    rows["load_average_after"] = load()
    return {"compile_time": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="512,1600")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/loihi.md")
    args = parser.parse_args()
    report = run([int(w) for w in args.widths.split(",")], args.repeats)
    print_report(report)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        write_block("loihi.md", "compile_time", report_table(report), f"python -m benchmarks.compile_time --widths {args.widths} --repeats {args.repeats} --write-docs")


if __name__ == "__main__":
    main()

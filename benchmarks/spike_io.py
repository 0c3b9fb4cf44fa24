"""Writing and reading a simulation's spikes: the record of 256 samples x 1000 steps x 256
neurons (what ``snncompile simulate -o`` writes for the 3 x 256 benchmark network).

    python -m benchmarks.spike_io [--batch 256] [--steps 1000] [--width 256] [--repeats 3] [--write-docs]

Compares, in the same run, what ``simulate -o`` wrote before (``np.savez_compressed`` of
float 0/1 arrays) with what it writes now (:func:`snncompile.npz.write_npz`: bool,
uncompressed, streamed in blocks; and with ``--compress``), and reading each back with
plain ``numpy.load``. Best of ``--repeats``; file sizes in MB.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.timing import best_of, load, print_report
from snncompile.npz import write_npz


def run(batch: int, steps: int, width: int, repeats: int) -> dict:
    spikes = (np.random.default_rng(0).random((batch, steps, width)) < 0.05).astype(np.int8)  # as recorded
    rows: dict = {"values": spikes.size, "load_average_before": load()}
    with tempfile.TemporaryDirectory() as tmp:
        ways = {
            "before: savez_compressed float64": lambda p: np.savez_compressed(p, output=spikes.astype(np.float64)),
            "now: write_npz bool": lambda p: write_npz(p, {"output": spikes}, spikes={"output"}),
            "now --compress: write_npz bool deflated": lambda p: write_npz(p, {"output": spikes}, spikes={"output"},
                                                                          compress=True),
        }
        for name, write in ways.items():
            path = Path(tmp) / f"{abs(hash(name))}.npz"
            t = best_of(repeats, lambda write=write, path=path: write(path))
            r = best_of(repeats, lambda path=path: _read(path))
            assert np.array_equal(r.result, spikes)
            rows[f"{name}: write s"] = t.wall
            rows[f"{name}: read s"] = r.wall
            rows[f"{name}: MB"] = os.path.getsize(path) / 1e6
            rows[f"{name}: dtype read back"] = str(r.result.dtype)
    rows["load_average_after"] = load()
    return {"spike_io": rows}


def _read(path: Path) -> np.ndarray:
    with np.load(path, allow_pickle=False) as data:
        return data["output"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/loihi.md")
    args = parser.parse_args()
    report = run(args.batch, args.steps, args.width, args.repeats)
    print_report(report)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        write_block("loihi.md", "spike_io", report_table(report), f"python -m benchmarks.spike_io --batch {args.batch} --steps {args.steps} --width {args.width} "
                    f"--repeats {args.repeats} --write-docs")


if __name__ == "__main__":
    main()

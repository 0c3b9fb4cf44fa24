"""Evaluation sharded over Ray against one process, on a real network.

The NIR paper's Braille RNN (``--network``: subtract or zero reset) compiled for Loihi, evaluated on
braille7_fold0 repeated ``--copies`` times (280 samples each, 256 steps) as a directory
of .npz shards, with ``--backend`` (the compiled graph on the emulator or Lava, the
float graph on the reference). Prints the wall time in one process and with ``--workers``
Ray workers (a local Ray started for the run, and again on a Ray already running), the
ratios, and checks that both give the same numbers.

    python -m benchmarks.evaluate_workers [--backend reference] [--network subtract] [--copies 4] [--workers 2] [--limit N] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from snncompile.api import ModelOptions, load_model
from snncompile.compile import build_artifact
from snncompile.datasets import DataOptions, open_data
from snncompile.evaluate import evaluate, ray_session
from snncompile.simulate import graph_for

ROOT = Path(__file__).resolve().parents[1]
RNN = ROOT / "tests" / "data" / "nir_paper" / "03_rnn"
#: --network -> (file, reset, reset timing); Lava's LIF resets to zero only
NETWORKS = {"subtract": ("braille_noDelay_noBias_subtract.nir", "subtract", "delayed"),
            "zero": ("braille_noDelay_bias_zero.nir", "zero", "immediate")}
FOLD = ROOT / "tests" / "data" / "braille" / "braille7_fold0.npz"


def numbers(ev) -> str:
    return json.dumps({k: v for k, v in ev.to_dict().items() if k not in ("workers", "chunks")}, default=float)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="reference")
    parser.add_argument("--network", choices=sorted(NETWORKS), default="subtract")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=35)
    parser.add_argument("--limit", type=int, help="only the first N samples (Lava runs about one per second)")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/evaluate.md")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as each Ray worker runs
    file, reset, timing = NETWORKS[args.network]
    float_graph = load_model(str(RNN / file), ModelOptions(reset=reset, reset_timing=timing))
    with np.load(FOLD, allow_pickle=False) as d:
        x, y = d["spikes"], d["labels"]
    graph = float_graph
    if args.backend != "reference":
        graph = graph_for(build_artifact(float_graph, "loihi", calibrate=x[:64].astype(float)), args.backend)
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.copies):
            np.savez(Path(folder) / f"part{i}.npz", input=x, labels=y)
        data = open_data(folder, graph, DataOptions(limit=args.limit))
        print(f"{len(data)} samples x {data.steps} steps, backend {args.backend}, batch {args.batch_size}")
        one, t_one = timed(lambda: evaluate(graph, data, args.backend, batch_size=args.batch_size))
        cold, t_cold = timed(lambda: evaluate(graph, data, args.backend, batch_size=args.batch_size,
                                              workers=args.workers))
        with ray_session(args.workers):
            evaluate(graph, data, args.backend, batch_size=args.batch_size, workers=args.workers)  # warm workers up
            warm, t_warm = timed(lambda: evaluate(graph, data, args.backend, batch_size=args.batch_size,
                                                  workers=args.workers))
    assert numbers(one) == numbers(cold) == numbers(warm), "the runs disagree"
    print(f"one process:                     {t_one:7.2f} s")
    print(f"{args.workers} Ray workers, Ray started for the run: {t_cold:7.2f} s  ({t_one / t_cold:.2f}x)")
    print(f"{args.workers} Ray workers, Ray already running:    {t_warm:7.2f} s  ({t_one / t_warm:.2f}x)")
    print(f"accuracy {one.accuracy:.4f}, the same numbers in all three runs")
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        run = f"{args.backend}, {args.network} reset, {len(data)} samples, batch {args.batch_size}"
        report = {run: {"one process s": t_one,
                        f"{args.workers} Ray workers, Ray started for the run s": t_cold,
                        f"{args.workers} Ray workers, Ray already running s": t_warm,
                        "speed-up, Ray started for the run": t_one / t_cold,
                        "speed-up, Ray already running": t_one / t_warm,
                        "accuracy (the same in all three runs)": round(one.accuracy, 4)}}
        limit = f" --limit {args.limit}" if args.limit else ""
        write_block("evaluate.md", "evaluate_workers", report_table(report),
                    f"python -m benchmarks.evaluate_workers --backend {args.backend} --network {args.network} "
                    f"--copies {args.copies} --workers {args.workers} --batch-size {args.batch_size}{limit} --write-docs")


if __name__ == "__main__":
    main()

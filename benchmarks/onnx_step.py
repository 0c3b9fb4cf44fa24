"""Speed of the ONNX step model against the reference simulator, on a real network.

The NIR paper's Braille RNN (12 -> 38 CubaLIF recurrent -> 7 CubaLIF, zero reset) on the
42 real Braille samples kept in tests/data/onnx (256 steps each). Prints export time,
model size, the wall time of a whole batched run (step model driven from Python, and the
sequence model that loops inside ONNX Runtime) and the latency of one step at batch 1
(the way an edge device drives it), as medians of ``--repeat`` runs.

    python -m benchmarks.onnx_step [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from snncompile.backends.onnx import run_onnx, to_onnx, to_onnx_sequence
from snncompile.ir import Reset, ResetTiming
from snncompile.simulate import simulate

# The NIR -> IR mapping of the Braille graphs lives with their test (one copy of it).
_TEST = Path(__file__).resolve().parents[1] / "tests" / "backends" / "onnx" / "test_nir_paper.py"
_spec = importlib.util.spec_from_file_location("onnx_test_nir_paper", _TEST)
assert _spec is not None and _spec.loader is not None
nir_paper = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nir_paper)


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = nir_paper.DATA
    graph = nir_paper.braille_graph(data / "braille_noDelay_bias_zero.nir", Reset.ZERO, ResetTiming.IMMEDIATE)
    x = np.load(data / "braille7_fold0_42.npz", allow_pickle=False)["spikes"].astype(np.float32)
    batch, steps = x.shape[:2]
    export_s = median_seconds(lambda: to_onnx(graph), args.repeat)
    model = to_onnx(graph)
    sequence = to_onnx_sequence(graph)
    rows = [("export (to_onnx)", export_s * 1e3, "ms"), ("model size", model.ByteSize() / 1024, "KiB")]
    for label, fn in (
        ("reference float32", lambda: simulate(graph, x, dtype=torch.float32)),
        ("reference float64", lambda: simulate(graph, x)),
        ("onnx step model (run_onnx)", lambda: run_onnx(model, x)),
        ("onnx sequence model (run_onnx)", lambda: run_onnx(sequence, x)),
    ):
        rows.append((f"{label}, batch {batch} x {steps} steps", median_seconds(fn, args.repeat) * 1e3, "ms"))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    state = {i.name: np.zeros([1, *i.shape[1:]], np.float32) for i in session.get_inputs() if i.name.startswith("state.")}

    def one_sample() -> None:
        s = dict(state)
        for t in range(steps):
            out = dict(zip(names, session.run(None, {"input": x[:1, t], **s})))
            s = {n: out[n + ".next"] for n in s}

    rows.append(("onnx step latency, batch 1", median_seconds(one_sample, args.repeat) / steps * 1e6, "us"))
    rows.append((f"onnx sequence model, batch 1 x {steps} steps",
                 median_seconds(lambda: run_onnx(sequence, x[:1]), args.repeat) * 1e3, "ms"))
    rows.append(("reference step latency, batch 1",
                 median_seconds(lambda: simulate(graph, x[:1], dtype=torch.float32), args.repeat) / steps * 1e6, "us"))
    width = max(len(r[0]) for r in rows)
    for label, value, unit in rows:
        print(f"{label:<{width}}  {value:10.1f} {unit}")


if __name__ == "__main__":
    main()

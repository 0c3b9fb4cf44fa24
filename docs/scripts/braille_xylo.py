"""The NIR paper's subtract-reset Braille RNN compiled for Xylo Audio 2: accuracy of the
float reference, of the compiled network on the emulator and on SynSense's XyloSim (which
must give the same integers), with and without calibration, and the same compiled
integers with one spike per hidden neuron and step (not what Xylo does: it shows where
the accuracy goes). Prints a Markdown table.

    python docs/scripts/braille_xylo.py [FOLD.npz ...]

Default data: tests/data/braille/braille7_fold0.npz (280 samples).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from snncompile.api import ModelOptions, load_model
from snncompile.compile import build_artifact
from snncompile.emulator import emulate
from snncompile.passes.quantize import quantize
from snncompile.passes.quantize.spec import spec_from_target
from snncompile.simulate import accuracy, get_backend, simulate
from snncompile.testing.fixed_graphs import compare_runs

ROOT = Path(__file__).parents[2]
GRAPH = ROOT / "tests/data/nir_paper/03_rnn/braille_noDelay_noBias_subtract.nir"
PAPER = ROOT / "tests/data/nir_paper/03_rnn"  # the paper's accuracies on its 140-sample test set


def run(fixed, lags, x, backend: str = "emulator"):
    lag = lags[fixed.outputs[0]]
    kw = dict(steps=x.shape[1] + lag, record="neurons", membranes="neurons", currents="neurons")
    result = emulate(fixed, x, **kw) if backend == "emulator" else get_backend(backend)(fixed, x, **kw)
    return result, result.output()[:, lag:]


def main(folds: list[Path]) -> None:
    graph = load_model(str(GRAPH), ModelOptions(reset="subtract", reset_timing="delayed"))
    print("| data | model | accuracy | notes |")
    print("|---|---|---|---|")
    for fold in folds:
        with np.load(fold, allow_pickle=False) as d:
            x, y = d["spikes"].astype(np.int64), d["labels"]
        name = f"{fold.name} ({len(y)})"
        print(f"| {name} | float reference (snnTorch semantics) | {accuracy(simulate(graph, x.astype(float)).output(), y):.4f} | |")
        for label, calibrate in (("compiled for xylo-audio2", None), ("compiled, --calibrate (first 64)", x[:64])):
            art = build_artifact(graph, "xylo-audio2", calibrate=None if calibrate is None else calibrate.astype(float))
            emu, out = run(art.fixed, art.lags, x)
            start = time.perf_counter()
            xs, xs_out = run(art.fixed, art.lags, x, "xylosim")
            mismatches = compare_runs(emu, xs, art.fixed)
            print(f"| {name} | {label}: emulator | {accuracy(out, y):.4f} | |")
            print(f"| {name} | {label}: XyloSim | {accuracy(xs_out, y):.4f} | {len(mismatches)} series differ from the emulator's "
                  f"(spikes, currents, membranes of every layer); {time.perf_counter() - start:.0f} s |")
        spec = dataclasses.replace(spec_from_target("xylo-audio2"), max_spikes_hidden=1)
        q = quantize(graph, spec)
        _, out = run(q.fixed, q.lags, x)
        print(f"| {name} | same integers, 1 spike per hidden neuron and step (not Xylo) | {accuracy(out, y):.4f} | "
              "Xylo's hidden neurons send up to 31 |")
    for label, name in (("snnTorch", "snntorch"), ("on Xylo", "xylo")):
        value = float(np.load(PAPER / f"{name}_accuracy_noDelay_noBias_subtract.npy", allow_pickle=False))
        print(f"| paper's test set (140) | {label}, Pedersen et al. 2024 | {value:.4f} | |")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or [ROOT / "tests/data/braille/braille7_fold0.npz"])

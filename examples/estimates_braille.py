"""Energy and latency per target for the Braille networks of docs/estimates.md.

    python examples/estimates_braille.py [--samples N] [--l2mu-samples M]

Networks: the NIR paper's two Braille RNNs (reset to zero / snnTorch's delayed subtract)
and the L2MU, all run by the float reference simulator on the first samples of
braille7_fold0 (256 steps, dt = 1e-4 s). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

import numpy as np

from snncompile.estimate import render as R
from snncompile.estimate.borrow import borrow_figures
from snncompile.estimate.run import resolve_targets, run_estimates
from snncompile.interop.nir import read_nir
from snncompile.simulate import accuracy
from snncompile.targets import load_target
from snncompile.zoo.l2mu import load_l2mu

#: the repository's copies of ../shared/data (same files, attribution beside them)
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def networks():
    rnn = f"{DATA}/nir_paper/03_rnn"
    yield "Braille RNN, reset to zero", lambda: read_nir(f"{rnn}/braille_noDelay_bias_zero.nir", reset="zero")
    yield "Braille RNN, delayed subtract", lambda: read_nir(
        f"{rnn}/braille_noDelay_noBias_subtract.nir", reset="subtract", reset_timing="delayed")
    yield "L2MU", lambda: load_l2mu(f"{DATA}/l2mu")


def markdown(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        cells = [f"{v:.4g}" if isinstance(v, float) else ("" if v is None else str(v)) for v in (r.get(c) for c in columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=280)
    ap.add_argument("--l2mu-samples", type=int, default=40)
    args = ap.parse_args()
    data = np.load(f"{DATA}/braille/braille7_fold0.npz", allow_pickle=False)
    # Loihi 2 has no per-op energies; its target file suggests Loihi 1's, with a warning
    borrowed = dataclasses.replace(borrow_figures(load_target("loihi2"), load_target("loihi")),
                                   name="loihi2 (Loihi 1 energies, borrowed)")
    targets = resolve_targets("all") + [borrowed]
    for title, build in networks():
        n = args.l2mu_samples if title == "L2MU" else args.samples
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = build()
        x, labels = data["spikes"][:n].astype(np.float64), data["labels"][:n]
        report = run_estimates(graph, {graph.inputs[0]: x}, targets, model=title,
                               input_note=f"braille7_fold0, first {n} samples")
        d = report.to_dict()
        acc = accuracy(report.activity.emitted[graph.outputs[0]], labels)
        t = d["metrics"]["totals"]
        print(f"\n### {title}\n")
        print(f"{n} samples of braille7_fold0, 256 steps; accuracy {acc:.3f}; per inference: "
              f"{t['Effective_ACs']:.0f} effective ACs, {t['Effective_MACs']:.0f} MACs, "
              f"{t['synaptic_events']:.0f} synaptic events, {t['spikes']:.0f} spikes, "
              f"{t['neuron_updates']:.0f} neuron updates, ActivationSparsity {t['ActivationSparsity']:.3f}, "
              f"Footprint {t['Footprint']} B.\n")
        rows = R.side_by_side_rows(d)
        print(markdown(rows, ["target", "model", "energy/inference", "latency/inference", "latency/step",
                              "cycles/step", "fits", "cores", "missing"]))
        fails = [f"{t}: " + "; ".join(f"{v['rule']} at {v['node']} ({v['actual']} > {v['limit']})"
                                      for v in p["violations"])
                 for t, p in d["mapping"].items() if p["violations"]]
        if fails:
            print("\nDoes not fit:\n" + "\n".join(f"- {f}" for f in fails))


if __name__ == "__main__":
    main()

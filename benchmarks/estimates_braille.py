"""Energy and latency per target for the Braille networks of docs/estimates.md.

    python -m benchmarks.estimates_braille [--samples N] [--l2mu-samples M] [--write-docs]

Networks: the NIR paper's two Braille RNNs (reset to zero / snnTorch's delayed subtract)
and the L2MU, all run by the float reference simulator on the first samples of
braille7_fold0 (256 steps, dt = 1e-4 s). Prints Markdown tables; ``--write-docs`` writes
them into docs/estimates.md (benchmarks/doc_tables.py). tests/docs/test_claims.py checks
the accuracies they state.
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


def tables(samples: int, l2mu_samples: int) -> str:
    """One section per network: its activity, the side-by-side table, what does not fit."""
    out: list[str] = []
    data = np.load(f"{DATA}/braille/braille7_fold0.npz", allow_pickle=False)
    # Loihi 2 has no per-op energies; its target file suggests Loihi 1's, with a warning
    borrowed = dataclasses.replace(borrow_figures(load_target("loihi2"), load_target("loihi")),
                                   name="loihi2 (Loihi 1 energies, borrowed)")
    targets = resolve_targets("all") + [borrowed]
    figures: dict[tuple[str, str], dict] = {}
    missing: dict[tuple[str, str], dict] = {}
    for title, build in networks():
        n = l2mu_samples if title == "L2MU" else samples
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = build()
        x, labels = data["spikes"][:n].astype(np.float64), data["labels"][:n]
        report = run_estimates(graph, {graph.inputs[0]: x}, targets, model=title,
                               input_note=f"braille7_fold0, first {n} samples")
        d = report.to_dict()
        acc = accuracy(report.activity.emitted[graph.outputs[0]], labels)
        t = d["metrics"]["totals"]
        out.append(f"### {title}")
        out.append(f"{n} samples of braille7_fold0, 256 steps; accuracy {acc:.3f}; per inference: "
                   f"{t['Effective_ACs']:.0f} effective ACs, {t['Effective_MACs']:.0f} MACs, "
                   f"{t['synaptic_events']:.0f} synaptic events, {t['spikes']:.0f} spikes, "
                   f"{t['neuron_updates']:.0f} neuron updates, ActivationSparsity {t['ActivationSparsity']:.3f}, "
                   f"Footprint {t['Footprint']} B.")
        figures.update({(r["target"], r["figure"]): r for r in R.figure_rows(d)})
        missing.update({(r["target"], r["missing"]): r for r in R.missing_rows(d)})
        rows = R.side_by_side_rows(d)
        out.append(markdown(rows, ["target", "model", "energy/inference", "latency/inference", "latency/step",
                                   "cycles/step", "fits", "cores", "missing"]))
        fails = [f"{t}: " + "; ".join(f"{v['rule']} at {v['node']} ({v['actual']} > {v['limit']})"
                                      for v in p["violations"])
                 for t, p in d["mapping"].items() if p["violations"]]
        if fails:
            out.append("Does not fit:\n" + "\n".join(f"- {f}" for f in fails))
    out.append("### Figures used, with provenance")
    out.append(markdown(sorted(figures.values(), key=lambda r: (r["target"], r["figure"])),
                        ["target", "figure", "value", "provenance", "source"]))
    out.append("### Figures the models needed but the targets do not give")
    reason = "missing figure: reason (from the target file)"
    out.append(markdown([{"target": r["target"], reason: r["missing"]}
                         for r in sorted(missing.values(), key=lambda r: (r["target"], r["missing"]))],
                        ["target", reason]))
    return "\n\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=280)
    ap.add_argument("--l2mu-samples", type=int, default=40)
    ap.add_argument("--write-docs", action="store_true", help="write the tables into docs/estimates.md")
    args = ap.parse_args()
    text = tables(args.samples, args.l2mu_samples)
    print(text)
    if args.write_docs:
        from benchmarks.doc_tables import write_block

        write_block("estimates.md", "estimates_braille", text, f"python -m benchmarks.estimates_braille --samples "
                    f"{args.samples} --l2mu-samples {args.l2mu_samples} --write-docs")


if __name__ == "__main__":
    main()

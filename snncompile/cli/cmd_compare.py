"""``snncompile compare ARTIFACT --input X.npz --backends reference,emulator,lava``."""

from __future__ import annotations

import argparse
import warnings

from snncompile.cli.common import add_readout_argument, readout_line
from snncompile.errors import InputError

NAME = "compare"
HELP = "run an artifact on several backends and compare spikes layer by layer (latency-aligned)"
EXAMPLES = """
snncompile compare model.snnc --input x.npz
snncompile compare model.snnc --input x.npz --backends reference,emulator,lava --tolerance-steps 1
snncompile compare model.snnc --input x.npz --mismatches diff.csv --explain
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("artifact", metavar="ARTIFACT", help="a .snnc file written by 'snncompile compile'")
    p.add_argument("--input", required=True, help=".npz with 'input' (batch, time, *features) [and 'labels']")
    p.add_argument("--backends", default="reference,emulator",
                   help="comma-separated, the first is the baseline (default reference,emulator)")
    p.add_argument("--samples", type=int, help="use only the first N samples")
    p.add_argument("--tolerance-steps", type=int, default=0, metavar="K",
                   help="also report each layer's agreement within +-K steps (a spike moved by at most K steps "
                        "agrees; one missing or extra does not); default 0: exact agreement only")
    p.add_argument("--mismatches", metavar="FILE",
                   help="write every differing entry (backends, layer, sample, step, neuron, both values) to FILE: "
                        ".csv or .npz, written atomically")
    add_readout_argument(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.add_argument("--explain", action="store_true",
                   help="also measure the error budget on this input: per layer, the agreement with float gained "
                        "by making each source of fixed-point error exact (weights, decays, threshold, bias, lag, "
                        "saturation), the largest named with an option to try")


def run(args: argparse.Namespace) -> dict:
    from snncompile.api import choose_readout, load_inputs
    from snncompile.compare import compare_graphs, write_mismatches
    from snncompile.compile import load_artifact

    artifact = load_artifact(args.artifact)
    readout, chosen_by = choose_readout(args.readout, args.artifact)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if len(backends) < 2:
        raise InputError(f"--backends: name at least two backends, found '{args.backends}'")
    data = load_inputs(args.input, artifact.float_graph, also=(artifact.fixed,))
    n = args.samples
    if n is not None and n < 1:
        raise InputError(f"--samples must be at least 1, found {n}")
    inputs = {k: (v[:n] if n else v) for k, v in data.arrays.items()}
    labels = None if data.labels is None else (data.labels[:n] if n else data.labels)
    if args.mismatches and not args.mismatches.lower().endswith((".csv", ".npz")):
        raise InputError(f"--mismatches {args.mismatches}: expected a .csv or .npz file name")
    result = compare_graphs(artifact.float_graph, artifact.fixed, artifact.lags, inputs, backends, labels,
                            progress=not args.no_progress, tolerance_steps=args.tolerance_steps,
                            keep_mismatches=bool(args.mismatches), readout=readout)
    written = write_mismatches(args.mismatches, result.mismatches) if args.mismatches else None
    for name, why in result.failed.items():  # the other backends' results are still shown
        warnings.warn(f"{args.artifact}: backend {name} failed: {why}", stacklevel=1)
    exit_code = 2 if len(result.backends) < 2 else 0  # nothing was compared
    out = {"model": args.artifact, "input": args.input, **result.to_dict(), "exit_code": exit_code,
           "output": args.mismatches, "mismatches": written, "readout_chosen_by": chosen_by}
    if args.explain:
        from snncompile.budget.artifact import artifact_budget

        out["budget"] = artifact_budget(artifact, inputs, labels, readout=readout).to_dict()
    return out


def render(result: dict) -> str:
    from snncompile.compare import render_comparison

    text = (f"{result['model']} on {result['input']}; "
            f"{readout_line(result['readout'], result['readout_chosen_by'], result['model'])}\n"
            + render_comparison(result))
    if result.get("output"):
        text += f"\nwrote {result['mismatches']} mismatches to {result['output']}"
    if result.get("budget"):
        from snncompile.budget.record import ErrorBudget
        from snncompile.reports.render import render_budget

        text += "\n" + render_budget(ErrorBudget.from_dict(result["budget"]), "on this input")
    return text

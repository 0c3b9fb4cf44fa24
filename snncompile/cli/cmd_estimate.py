"""``snncompile estimate MODEL --target T|all [--input X.npz] [--json]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from snncompile.cli.common import (
    add_model_arguments,
    backend_from_args,
    model_from_args,
    warn_steps,
)
from snncompile.cli.output import table

if TYPE_CHECKING:
    from snncompile.estimate.run import Report

NAME = "estimate"
HELP = "energy, latency, synaptic operations and mapping per target, with every figure's source"
EXAMPLES = """
snncompile estimate model.nir --target all --input x.npz
snncompile estimate model.snnc --target loihi2 --borrow loihi2=loihi
snncompile estimate zoo:spikformer --target speck,xylo-audio2 --json
"""


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", default="all", help="target name or .toml path, comma-separated, or 'all' (default)")
    p.add_argument("--input", help=".npz with 'input' (batch, time, *features); without it, random spikes")
    p.add_argument("--steps", type=int, help="time steps (default: the input's length, or 100 for random input)")
    p.add_argument("--rate", type=float, default=0.1, help="spike probability per step of the random input (default 0.1)")
    p.add_argument("--weight-bits", type=int, help="weight width to map with (default: each target's own)")
    p.add_argument("--backend", help="executor that records the activity (default: emulator for a .snnc artifact, else reference)")
    p.add_argument("--borrow", action="append", metavar="TARGET=DONOR",
                   help="fill TARGET's missing energy figures from DONOR, marked as borrowed (e.g. loihi2=loihi)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_input_arguments(p)


def build_report(args: argparse.Namespace) -> Report:
    from snncompile.api import load_inputs
    from snncompile.estimate.borrow import apply_borrowing, parse_borrow
    from snncompile.estimate.run import resolve_targets, run_estimates, synthetic_input

    backend = backend_from_args(args)
    graph = model_from_args(args, input_path=args.input, backend=backend)
    if args.input:
        inputs = load_inputs(args.input, graph).arrays
        warn_steps(args.steps, max(a.shape[1] for a in inputs.values()), args.input)
        note = f"{args.input}"
    else:
        steps = args.steps or 100
        inputs = synthetic_input(graph, steps=steps, rate=args.rate)
        note = f"random Bernoulli spikes, rate {args.rate} per input per step, {steps} steps, seed 0"
    targets = apply_borrowing(resolve_targets(args.target), parse_borrow(args.borrow))
    return run_estimates(graph, inputs, targets, model=args.model,
                         input_note=note, steps=args.steps, backend=backend,
                         weight_bits=args.weight_bits, progress=not getattr(args, "no_progress", True))


def run(args: argparse.Namespace) -> dict:
    return report_dict(build_report(args), args)


def report_dict(report: Report, args: argparse.Namespace) -> dict:
    """The report as the ``--json`` schema names it: ``input`` is the file read (null for
    random input), ``input_note`` says what the input was."""
    data = report.to_dict()
    return {"model": data.pop("model"), "input": args.input, "input_note": data.pop("input"), **data}


def render(result: dict) -> str:
    from snncompile.estimate import render as R

    m = result["metrics"]
    head = (f"{result['model']}: {m['steps']} steps x batch {m['batch']}, dt={m['dt']:g} s; "
            f"input: {result['input_note']}. Counts are per inference.")
    totals = [{"metric": k, "per inference": v, "per step": m["per_step"].get(k)} for k, v in m["totals"].items()]
    parts = [
        head,
        table(totals, ["metric", "per inference", "per step"], title="Metrics (NeuroBench names first)"),
        table(R.layer_rows(result), R.LAYER_COLUMNS, title="Per layer"),
        table(R.side_by_side_rows(result), R.SIDE_BY_SIDE, title="Targets (>= : lower bound, figures missing)"),
        *(["\n".join(notes)] if (notes := R.unknown_energy_notes(result)) else []),
        *([table(rows, title="Why it does not fit (the mapping rules, as 'snncompile map' reports them)")]
          if (rows := R.fit_rows(result)) else []),
        table(*R.layer_energy_rows(result), title="Energy per layer (J per inference)"),
        table(R.figure_rows(result), ["target", "figure", "value", "provenance", "source"], title="Figures used"),
        table(R.missing_rows(result), ["target", "model", "missing"], title="Missing figures"),
        table(R.assumption_rows(result), ["model", "assumption"], title="Assumptions"),
    ]
    return "\n\n".join(parts)

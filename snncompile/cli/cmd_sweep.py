"""``snncompile sweep MODEL --data PATH --target loihi,loihi2 --weight-bits 4,6,8 -o DIR``."""

from __future__ import annotations

import argparse

from snncompile.cli.cmd_evaluate import model_for_data
from snncompile.cli.common import (
    add_data_arguments,
    add_model_arguments,
    add_readout_argument,
    add_worker_arguments,
    data_options_from_args,
    readout_line,
)
from snncompile.cli.output import table
from snncompile.errors import InputError

NAME = "sweep"
HELP = "compile and evaluate a grid of targets x weight bits x options; table, Pareto plot and every artifact"
SPLIT = {"off": (False,), "on": (True,), "both": (False, True)}
EXAMPLES = """
snncompile sweep model.nir --data test.npz --target loihi,loihi2 --weight-bits 4,6,8 -o sweep/
snncompile sweep model.nir --data test.npz --target loihi2 --weight-bits 8 --split-sign both -o sweep/
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.passes.quantize.options import ROUNDINGS
    from snncompile.simulate import backend_names

    add_model_arguments(p)
    add_data_arguments(p)
    p.add_argument("--target", required=True, help="compile targets (names or .toml paths with [fixed_point]), "
                                                   "comma-separated")
    p.add_argument("--weight-bits", required=True, help="weight mantissa bits to try, comma-separated (e.g. 4,6,8)")
    p.add_argument("--split-sign", choices=sorted(SPLIT), default="off",
                   help="split mixed-sign weights: off (default), on, or both (each cell twice)")
    p.add_argument("--rounding", default="nearest", help=f"roundings to try, comma-separated ({', '.join(ROUNDINGS)})")
    p.add_argument("--calibrate", metavar="X.npz", help="calibration input (default: the first samples of --data)")
    p.add_argument("--calibrate-samples", type=int, default=64, help="calibration samples (default 64)")
    p.add_argument("--backend", choices=backend_names(), default="emulator",
                   help="executor of the compiled cells (default emulator)")
    p.add_argument("--borrow", action="append", metavar="TARGET=DONOR",
                   help="fill TARGET's missing energy figures from DONOR, marked as borrowed (e.g. loihi2=loihi)")
    add_readout_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the table, plot and artifacts")
    add_worker_arguments(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def _list(text: str, flag: str, cast=str) -> list:
    try:
        values = [cast(v.strip()) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{flag}: expected a comma-separated list, found '{text}'") from None
    if not values:
        raise InputError(f"{flag}: expected at least one value")
    return values


def run(args: argparse.Namespace) -> dict:
    from snncompile.api import load_inputs
    from snncompile.estimate.borrow import parse_borrow
    from snncompile.passes.quantize.options import ROUNDINGS
    from snncompile.sweep import SweepRun, grid, run_sweep

    graph = model_for_data(args, "reference")
    roundings = _list(args.rounding, "--rounding")
    bad = [r for r in roundings if r not in ROUNDINGS]
    if bad:
        raise InputError(f"--rounding: {bad} not among {list(ROUNDINGS)}")
    cells = grid(_list(args.target, "--target"), _list(args.weight_bits, "--weight-bits", int), SPLIT[args.split_sign],
                 roundings)
    calibrate = None
    if args.calibrate_samples < 1:
        raise InputError(f"--calibrate-samples must be at least 1, found {args.calibrate_samples}")
    if args.calibrate:
        calibrate = {k: v[: args.calibrate_samples] for k, v in load_inputs(args.calibrate, graph).arrays.items()}
    how = SweepRun(args.data, data_options_from_args(args), args.backend, args.batch_size, args.steps, args.workers,
                   args.ray, parse_borrow(args.borrow), not args.no_progress, args.chunk_batches, args.retries,
                   calibrate_samples=args.calibrate_samples, readout=args.readout)
    result = run_sweep(graph, cells, args.output, how, calibrate, model=args.model).to_dict()
    # no cell evaluated: the table (with every reason) is shown, and the exit says nothing ran
    return {"model": args.model, "data": args.data, "calibration": args.calibrate, "output": args.output, **result,
            "exit_code": 0 if any(r["status"] == "ok" for r in result["rows"]) else 2}


def render(result: dict) -> str:
    columns = ["cell", "status", "accuracy", "energy_j", "latency_s", "pareto", "best", "reason"]
    lines = [table(result["rows"], columns, title=f"Sweep of {result['model']} (energy, latency: per inference)")]
    lines.append(readout_line(result["readout"], result["readout_chosen_by"], result["model"]))
    lines.append("best per target: " + ", ".join(f"{t}: {c}" for t, c in result["best"].items()))
    lines.append("wrote " + ", ".join(result["files"][k] for k in ("csv", "json", "png", "html")) +
                 f" and the artifacts in {result['files']['cells']}")
    return "\n\n".join(lines)

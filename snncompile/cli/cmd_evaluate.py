"""``snncompile evaluate MODEL --data PATH [--backend B] [--workers N | --ray ADDRESS]``."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from snncompile.cli.common import (
    add_data_arguments,
    add_model_arguments,
    add_readout_argument,
    add_worker_arguments,
    backend_from_args,
    data_options_from_args,
    model_from_args,
    readout_line,
)
from snncompile.cli.output import table

if TYPE_CHECKING:
    from snncompile.evaluate import Evaluation
    from snncompile.ir import Graph
    from snncompile.targets import Target

NAME = "evaluate"
HELP = "accuracy, per-class accuracy, confusion, activity and energy/latency over a whole data set"
EXAMPLES = """
snncompile evaluate model.snnc --data test.npz
snncompile evaluate model.nir --data shd_test.h5 --steps 100 --workers 2 --target loihi2
snncompile evaluate model.snnc --data test.npz --readout first-spike --predictions pred.npz --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.simulate import backend_names

    add_model_arguments(p)
    add_data_arguments(p)
    p.add_argument("--backend", choices=backend_names(),
                   help="executor (default: emulator for a .snnc artifact or .net file, else reference)")
    p.add_argument("--target", help="targets to estimate energy and latency on: names or .toml paths, comma-separated, "
                                    "'all' or 'none' (default: a .snnc artifact's own target, else all)")
    p.add_argument("--weight-bits", type=int, help="weight width to map with (default: each target's own)")
    add_readout_argument(p)
    p.add_argument("--predictions", metavar="OUT.npz",
                   help="write each sample's predicted class (-1: the readout decided none)")
    add_worker_arguments(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def targets_from_args(args: argparse.Namespace) -> list[Target]:
    from snncompile.api import model_kind
    from snncompile.estimate.run import resolve_targets

    spec = args.target
    if spec is None and model_kind(args.model) == "artifact":
        from snncompile.compile import load_artifact

        spec = str(load_artifact(args.model).target["name"])
    if spec is None:
        spec = "all"
    return [] if spec == "none" else resolve_targets(spec)


def model_for_data(args: argparse.Namespace, backend: str) -> Graph:
    npz = args.data if os.path.isfile(args.data) and args.data.endswith(".npz") else None
    return model_from_args(args, input_path=npz, backend=backend)


def run(args: argparse.Namespace) -> dict:
    from snncompile.datasets import open_data
    from snncompile.evaluate import evaluate

    backend = backend_from_args(args)
    graph = model_for_data(args, backend)
    dataset = open_data(args.data, graph, data_options_from_args(args))
    result = evaluate(graph, dataset, backend, batch_size=args.batch_size, steps=args.steps, workers=args.workers,
                      address=args.ray, targets=targets_from_args(args), weight_bits=args.weight_bits,
                      chunk_batches=args.chunk_batches, retries=args.retries, progress=not args.no_progress,
                      model=args.model, readout=args.readout)
    if args.predictions:
        write_predictions(result, args.predictions)
    return {**result.to_dict(), "output": args.predictions}


def write_predictions(result: Evaluation, path: str) -> None:
    import numpy as np

    from snncompile.fileio import atomic_path

    arrays = {"index": result.counts.indices, "predicted": result.counts.predicted}
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


def render(result: dict) -> str:
    head = (f"{result['model']} on {result['backend']}: {result['samples']} samples x {result['steps']} steps, "
            f"dt={result['dt']:g} s; data: {result['data']}; {result['workers']} worker(s), {result['chunks']} task(s)")
    parts = [head, readout_line(result["readout"], result["readout_chosen_by"], result["model"])]
    if result["labelled"]:
        undecided = f"; {result['undecided']} undecided (no output spike), counted wrong" if result["undecided"] else ""
        parts.append(f"accuracy: {result['accuracy']:.4f} ({result['correct']}/{result['samples']}{undecided})")
        columns = ["class", "name", "samples", "correct", "accuracy", "predicted", *(["undecided"] * bool(undecided))]
        parts.append(table(result["per_class"], columns, title="Per class"))
        names = [r["name"] for r in result["per_class"]]
        rows = [{"label": n, **{p: v for p, v in zip(names, row)}} for n, row in zip(names, result["confusion"])]
        parts.append(table(rows, ["label", *names], title="Confusion (rows: label, columns: predicted)"))
    else:
        parts.append("no labels: accuracy not computed")
    a = result["activity"]
    parts.append(table(a["layers"], ["layer", "kind", "neurons", "spikes", "rate"],
                       title=f"Activity per inference: {a['spikes']:.4g} spikes, {a['synaptic_events']:.4g} synaptic "
                             f"events (rate: spikes per neuron per step)"))
    parts.append(table(result["estimates"], ["target", "model", "energy_j", "energy_set_j", "energy_is_lower_bound",
                                             "latency_s", "latency_set_s", "latency_is_lower_bound"],
                       title=f"Estimates per inference and over the set of {result['samples']} (J, s)"))
    if result["dropped_events"]:
        parts.append(f"note: {result['dropped_events']} events fell after the last step and were dropped")
    if result.get("output"):
        parts.append(f"wrote {result['output']}")
    return "\n\n".join(parts)

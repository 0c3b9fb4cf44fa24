"""``snncompile simulate MODEL --input X.npz [--steps T] [-o out.npz] [--record all]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from snncompile.cli.common import (
    add_model_arguments,
    add_readout_argument,
    backend_from_args,
    model_from_args,
    readout_line,
    warn_output_lags,
    warn_steps,
)
from snncompile.cli.output import table

if TYPE_CHECKING:
    import numpy as np

    from snncompile.ir import Graph

NAME = "simulate"
HELP = "run a model on input data and record its outputs (and spikes with --record)"
EXAMPLES = """
snncompile simulate model.nir --input x.npz
snncompile simulate model.snnc --input x.npz --record all -o spikes.npz
snncompile simulate model.snnc --input x.npz --backend lava --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.simulate import backend_names

    add_model_arguments(p)
    p.add_argument("--input", required=True, help=".npz with 'input' (batch, time, *features) [and 'labels']")
    p.add_argument("--steps", type=int, help="number of time steps (default: the input's length)")
    p.add_argument("-o", "--output",
                   help="write outputs (and records) to this .npz, uncompressed; spike trains as bool (docs/loihi.md)")
    p.add_argument("--compress", action="store_true", help="deflate the output file (smaller, slower to write)")
    p.add_argument("--record", help="'all', 'neurons' or comma-separated node names to record")
    p.add_argument("--membranes", action="store_true", help="also record membranes of recorded neurons")
    p.add_argument("--backend", choices=backend_names(),
                   help="executor (default: emulator for a .snnc artifact, else reference)")
    add_readout_argument(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-flush", action="store_true",
                   help="a compiled graph: stop at the last input step and report the chip's own timeline, instead "
                        "of running its pipeline's lag in zero-input steps more and reporting the float timeline")


def _record_arg(text: str | None):
    if text is None or text in ("all", "neurons"):
        return text
    return [n.strip() for n in text.split(",") if n.strip()]


def run(args: argparse.Namespace) -> dict:
    from snncompile.api import choose_readout, load_inputs
    from snncompile.compare import readout_scale
    from snncompile.ir import is_spike_train
    from snncompile.npz import write_npz
    from snncompile.simulate import get_backend, get_readout
    from snncompile.simulate.flush import run_flushed

    readout, chosen_by = choose_readout(args.readout, args.model)
    backend_name = backend_from_args(args)
    graph = model_from_args(args, input_path=args.input, backend=backend_name)
    data = load_inputs(args.input, graph)
    record = _record_arg(args.record)
    backend = get_backend(backend_name)
    warn_steps(args.steps, max(a.shape[1] for a in data.arrays.values()), args.input)
    options = dict(record=record, membranes=record if args.membranes else None, progress=not args.no_progress)
    if args.steps is not None and args.steps < 1:
        from snncompile.errors import InputError

        raise InputError(f"--steps must be at least 1, found {args.steps}")
    steps = args.steps if args.steps is not None else int(next(iter(data.arrays.values())).shape[1])
    if args.no_flush:
        result, flushed = backend(graph, data.arrays, steps=steps, **options), 0
    else:
        result, flushed = run_flushed(backend, graph, steps, inputs=data.arrays, **options)
    scales = {n: readout_scale(graph, n) for n in result.outputs}
    if args.output:
        arrays: dict[str, np.ndarray] = {}
        names: list[str] = []  # the node behind each array
        for n, a in result.outputs.items():
            arrays["output" if len(result.outputs) == 1 else n] = a
            names.append(n)
        for n, a in result.recorded.items():
            arrays[f"spikes.{n}"] = a
            names.append(n)
        for n, a in result.membranes.items():
            arrays[f"v.{n}"] = a
            names.append("")
        # membrane readouts: also the float-equivalent values v / scale
        for n, s in scales.items():
            if s is not None:
                arrays[f"float.{n}"] = result.outputs[n] / s
                names.append("")
        spike_trains = {k for k, n in zip(arrays, names) if n and is_spike_train(graph, n)}
        write_npz(args.output, arrays, spikes=spike_trains, compress=args.compress)
    summary = {
        "model": args.model,
        "input": args.input,
        "backend": result.backend,
        "batch": result.batch,
        "steps": result.steps,
        "flushed": flushed,
        "dt": graph.dt,
        "outputs": {n: _activity(graph, n, a, scales[n]) for n, a in result.outputs.items()},
        "recorded": {n: _activity(graph, n, a) for n, a in result.recorded.items()},
        "output": args.output,
        # flushed series are on the float timeline; without the flush the outputs trail it
        "output_lags": {} if flushed else warn_output_lags(graph, result.outputs, args.model),
    }
    # accuracy: the readout's decisions against the labels (a regression readout decides no class)
    rule = get_readout(readout)
    scored = data.labels is not None and len(result.outputs) == 1 and rule.classifies
    summary.update(readout=readout, readout_chosen_by=chosen_by,
                   accuracy=rule.score(result.output(), data.labels) if scored else None)  # type: ignore[arg-type]
    return summary


def _activity(graph: Graph, name: str, array: np.ndarray, scale: float | None = None) -> dict:
    """Shape plus the spike count for spike trains, or the plain sum for other values; a
    membrane readout of a fixed graph adds its ``scale`` and the sum in float units."""
    from snncompile.ir import is_spike_train

    key = "spikes" if is_spike_train(graph, name) else "sum"
    total = float(array.sum())
    out = {"shape": list(array.shape), key: int(total) if key == "spikes" else total}
    if scale is not None:
        out.update(scale=scale, float_sum=total / scale)
    return out


def render(result: dict) -> str:
    lines = [f"{result['model']} on {result['backend']}: batch {result['batch']}, {result['steps']} steps, dt={result['dt']:g} s"]
    if result.get("flushed"):
        lines.append(f"ran {result['flushed']} zero-input step(s) more to flush the pipeline; every series is on the "
                     "float timeline (each node shifted by its lag)")
    rows = [{"node": n, "kind": "output", **v} for n, v in result["outputs"].items()]
    rows += [{"node": n, "kind": "recorded", **v} for n, v in result["recorded"].items()]
    readout = ["scale", "float_sum"] if any("scale" in r for r in rows) else []
    lines.append(table(rows, ["node", "kind", "shape", "spikes", "sum", *readout]))
    if result.get("accuracy") is not None:
        what = "summed output" if any("sum" in v for v in result["outputs"].values()) else "output spike counts"
        how = f"argmax of {what}" if result["readout"] == "count" else result["readout"]
        lines.append(f"accuracy ({how}): {result['accuracy']:.4f}; "
                     f"{readout_line(result['readout'], result['readout_chosen_by'], result['model'])}")
    if result.get("output"):
        lines.append(f"wrote {result['output']}")
    return "\n".join(lines)

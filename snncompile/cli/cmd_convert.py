"""``snncompile convert ANN.py:factory --calibrate X.npz -o SNN.snnir [--normalize ...]``."""

from __future__ import annotations

import argparse

from snncompile.errors import InputError

NAME = "convert"
HELP = "convert a trained ReLU network (PyTorch) into a rate-coded spiking network (IR file to compile)"
EXAMPLES = """
snncompile convert "ann.py:make_ann" --weights ann.pt --calibrate x.npz -o snn.snnir
snncompile convert "ann.py:make_ann" --calibrate x.npz -o snn.snnir --data test.npz --steps 16,64
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.convert.options import NEURONS, NORMALIZATIONS, RESETS

    # not "model": this command reads only a PyTorch factory, none of the MODEL kinds (NIR flags, zoo:NAME, ...)
    p.add_argument("ann", metavar="ANN", help="file.py:factory returning the trained ReLU nn.Module")
    p.add_argument("--weights", help="state_dict .pt for the factory's model (loaded with weights_only=True)")
    p.add_argument("--calibrate", required=True, metavar="X.npz",
                   help="'input' (batch, time, *shape) as the other commands read it, the same image every step: "
                        "its first step calibrates the scales")
    p.add_argument("--calibrate-samples", type=int, help="use only the first N calibration samples")
    p.add_argument("-o", "--output", required=True, help="the spiking network as an IR file (.snnir)")
    p.add_argument("--normalize", choices=NORMALIZATIONS, default="percentile",
                   help="each layer's scale: the max or a percentile of its calibration activations "
                        "(default percentile)")
    p.add_argument("--percentile", type=float, default=99.9, help="for --normalize percentile (default 99.9)")
    p.add_argument("--neuron", choices=NEURONS, default="if", help="if (default) or lif")
    p.add_argument("--decay", type=float, default=0.99, help="the LIF's per-step decay (default 0.99)")
    p.add_argument("--reset", choices=RESETS, default="subtract",
                   help="subtract (default: exact rates) or zero (Lava's LIF)")
    p.add_argument("--data", metavar="D.npz", help="'input' and 'labels' to report accuracy against the steps T")
    p.add_argument("--steps", default="8,16,32,64,128", help="T values for --data (default 8,16,32,64,128)")


def _first_step(path: str, samples: int | None):
    from snncompile.api import read_input_file

    arrays = read_input_file(path)
    if "input" not in arrays:
        raise InputError(f"{path}: expected an 'input' array; found {sorted(arrays)}")
    x = arrays["input"][:samples] if samples else arrays["input"]
    if x.ndim < 3:
        raise InputError(f"{path}: 'input' must be (batch, time, *shape); found shape {tuple(x.shape)}")
    return x[:, 0], arrays.get("labels")


def run(args: argparse.Namespace) -> dict:
    from snncompile.convert import ConvertOptions, accuracy_against_steps, ann_accuracy, convert
    from snncompile.frontends.torch import load_factory
    from snncompile.ir import save_graph

    options = ConvertOptions(normalize=args.normalize, percentile=args.percentile, neuron=args.neuron,
                             decay=args.decay, reset=args.reset)
    x, _ = _first_step(args.calibrate, args.calibrate_samples)
    ann = load_factory(args.ann, args.weights, input_shape=tuple(x.shape[1:]))
    conversion = convert(ann, x, options)
    graph = conversion.graph()
    save_graph(graph, args.output)
    result = {"model": args.ann, "calibration": args.calibrate, "data": args.data, "output": args.output,
              "options": options.to_dict(), "scales": conversion.scales,
              "nodes": [{"name": n, "kind": node.kind} for n, node in graph.items()]}
    if args.data:
        xd, labels = _first_step(args.data, None)
        if labels is None:
            raise InputError(f"{args.data}: --data needs a 'labels' array")
        try:
            steps = sorted({int(s) for s in args.steps.split(",") if s.strip()})
        except ValueError:
            raise InputError(f"--steps: expected integers like 8,16,32, found '{args.steps}'") from None
        if not steps or steps[0] < 1:
            raise InputError(f"--steps: expected positive integers, found '{args.steps}'")
        result["ann_accuracy"] = ann_accuracy(ann, xd, labels)
        by_steps = accuracy_against_steps(conversion.model, xd, labels, steps)
        result["accuracy_by_steps"] = [{"steps": t, "accuracy": a} for t, a in by_steps.items()]
    return result


def render(result: dict) -> str:
    from snncompile.cli.output import table

    lines = [f"wrote {result['output']} ({len(result['nodes'])} nodes): {result['options']['neuron'].upper()} neurons, "
             f"{result['options']['reset']} reset, scales from the {result['options']['normalize']}"]
    lines.append(table([{"activation": k, "scale": v} for k, v in result["scales"].items()], title="scales"))
    if "accuracy_by_steps" in result:
        rows = [{**r, "ann_accuracy": result["ann_accuracy"]} for r in result["accuracy_by_steps"]]
        lines.append(table(rows, ["steps", "accuracy", "ann_accuracy"],
                           title="accuracy against the steps (accuracy: the SNN's; ann_accuracy: the ReLU network's)"))
    return "\n".join(lines)

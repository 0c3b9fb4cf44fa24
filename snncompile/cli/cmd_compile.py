"""``snncompile compile MODEL --target loihi2 -o model.snnc [--calibrate X.npz]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from snncompile.cli.common import add_model_arguments, model_from_args
from snncompile.errors import InputError

if TYPE_CHECKING:
    from snncompile.passes.quantize import QuantizeOptions

NAME = "compile"
HELP = "quantize a model for a target and write a versioned artifact (.snnc)"
EXAMPLES = """
snncompile compile model.nir --target loihi2 --calibrate x.npz -o model.snnc
snncompile compile "net.py:make_net" --weights net.pt --target xylo-audio2 --calibrate x.npz
snncompile compile model.nir --target cortex-m4 --calibrate x.npz -o model_c/
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    from snncompile.passes.quantize.options import BIAS_TIMINGS, ROUNDINGS
    from snncompile.targets import DEFAULT_HOST

    add_model_arguments(p)
    p.add_argument("--target", default="loihi2", help="target name or descriptor .toml (default loihi2)")
    p.add_argument("-o", "--output", help="artifact path (default: MODEL's stem + .snnc); for an MCU target "
                                            "(cortex-m4, cortex-m7, esp32-s3) a folder for the generated C project "
                                            "(default: MODEL's stem + _TARGET), unless it ends in .snnc")
    p.add_argument("--calibrate", metavar="X.npz", help="sample input ('input' array) to choose scales on")
    p.add_argument("--calibrate-samples", type=int, help="use only the first N calibration samples")
    p.add_argument("--scale", help="membrane scale S: a number, or LAYER=S,... per layer (default: automatic)")
    p.add_argument("--threshold-scale", help="scale for thresholds only: a number or LAYER=S,...")
    p.add_argument("--weight-exp", help="force weight exponents: an integer or LAYER=E,...")
    p.add_argument("--weight-bits", type=int, help="weight mantissa bits (at most the target's)")
    p.add_argument("--rounding", choices=ROUNDINGS, default="nearest", help="float to integer rounding")
    p.add_argument("--decay-unity", type=int, help="dv = rnd((1 - decay) * UNITY) (default: the target's denominator)")
    p.add_argument("--split-sign", action="store_true",
                   help="split mixed-sign dense weights into excitatory + inhibitory matrices (one more bit each)")
    p.add_argument("--graded-input", action="store_true", help="input values are integer payloads, not spikes")
    p.add_argument("--weight-split", type=int, choices=(1, 2, 3), default=None,
                   help="2: each chip synapse gets a residual synapse for what its mantissas rounded away "
                        "(about twice the weight bits, twice the synaptic work); 3: a second residual (about three "
                        "times the bits and the work); 1: never. Default: 1, or with --calibrate 2 (with "
                        "--bias-split 2 --scale-search), then 3, when a layer's spikes agree with float on less than "
                        "99%% of the calibration input and that does better (said in the report)")
    p.add_argument("--bias-timing", choices=BIAS_TIMINGS, default="exact",
                   help="exact (default): a bias starts with its layer's input, through a delayed synapse; "
                        "register: the neuron's bias register (one synapse fewer, starts lag steps early)")
    p.add_argument("--fire-on-gt", action="store_true",
                   help="compile '>=' neurons to fire on '>' one unit lower (Lava's LIF has only '>'; "
                        "needed for --backend lava to equal the emulator)")
    p.add_argument("--retime-recurrences", action="store_true",
                   help="give a recurrence that is short of delay for the chip's per-synapse latency (a chain "
                        "computed within one step inside a loop) the steps it lacks, on its back edge, and run it "
                        "on the chip: changes the model's timing (each change is listed in the report); default: "
                        "such a loop runs on the host")
    p.add_argument("--threshold-resolution", type=int,
                   help="raise the automatic scale until thresholds have this many units (default 256; "
                        "16384 with --weight-split 2, 2097152 with 3)")
    p.add_argument("--bias-split", type=int, choices=(1, 2, 3), default=None,
                   help="2: each bias column (a bias into a current-based neuron) gets a residual column and the "
                        "neuron's bias register their steady-state rest (one synapse per neuron more); 3: up to two "
                        "residual columns; default: as --weight-split chooses")
    p.add_argument("--scale-search", action="store_true",
                   help="with --calibrate: try each spiking layer's scale at powers of two around the automatic "
                        "one and keep the scale whose compiled spikes agree best with float on that input")
    p.add_argument("--no-budget", action="store_true",
                   help="with --calibrate: skip the error budget (what each source of fixed-point error costs, "
                        "per layer, on the first 64 calibration samples)")
    p.add_argument("--all-on-chip", action="store_true",
                   help="refuse to put any node on the host: exit 2 listing every node the chip cannot run, and why")
    p.add_argument("--no-fit-check", action="store_true",
                   help="write the artifact even when the network breaks the target's mapping rules (by default "
                        "compile refuses it with exit 2, listing every violation, as 'snncompile map' does)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"host descriptor that runs the host segments (default {DEFAULT_HOST}; see 'snncompile targets')")


def per_layer(text: str | None, flag: str, cast=float):
    """``"3"`` -> 3.0; ``"a=1,b=2"`` -> {"a": 1.0, "b": 2.0}; None stays None."""
    if text is None:
        return None
    try:
        if "=" not in text:
            return cast(text)
        pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
        return {name.strip(): cast(value) for name, value in pairs}
    except ValueError:
        raise InputError(f"{flag}: expected a number or LAYER=VALUE,..., found '{text}'") from None


def options_from_args(args: argparse.Namespace) -> QuantizeOptions:
    from snncompile.passes.quantize import QuantizeOptions

    return QuantizeOptions(
        scale=per_layer(args.scale, "--scale"),
        threshold_scale=per_layer(args.threshold_scale, "--threshold-scale"),
        weight_exp=per_layer(args.weight_exp, "--weight-exp", int),
        weight_bits=args.weight_bits,
        rounding=args.rounding,
        decay_unity=args.decay_unity,
        split_sign=args.split_sign,
        graded_input=args.graded_input,
        weight_split=args.weight_split or 1,
        bias_timing=args.bias_timing,
        fire_on_gt=args.fire_on_gt,
        threshold_resolution=args.threshold_resolution,
        retime_recurrences=args.retime_recurrences,
        bias_split=args.bias_split or 1,
        scale_search=args.scale_search,
        auto_precision=args.weight_split is None and args.bias_split is None,
    )


def _is_mcu(target: str) -> bool:
    from snncompile.targets import load_target

    return load_target(target).kind == "mcu"


def run(args: argparse.Namespace) -> dict:
    from snncompile.api import choose_readout, default_output_path, load_inputs, model_kind
    from snncompile.compile import build_artifact, save_artifact

    if model_kind(args.model) == "torch" and not (args.input_shape or args.calibrate):
        raise InputError(f"{args.model}: a PyTorch model needs its per-step input shape: pass --calibrate X.npz "
                         "or --input-shape")
    graph = model_from_args(args, input_path=args.calibrate)
    options = options_from_args(args)
    calibrate = None
    if args.calibrate:
        data = load_inputs(args.calibrate, graph)
        n = args.calibrate_samples
        if n is not None and n < 1:
            raise InputError(f"--calibrate-samples must be at least 1, found {n}")
        calibrate = {k: (v[:n] if n else v) for k, v in data.arrays.items()}
    from snncompile.mapping import MappingError

    try:
        artifact = build_artifact(graph, args.target, options, calibrate, source=args.model,
                                  calibration_source=args.calibrate, all_on_chip=args.all_on_chip, host=args.host,
                                  fit_check=not args.no_fit_check, budget=not args.no_budget,
                                  readout=choose_readout(None, args.model)[0])  # what compare --explain decides by
    except MappingError as e:  # what `snncompile map` reports, and the way past it
        raise InputError(f"{e}; change the network, or pass --no-fit-check to write the artifact anyway") from None
    project = None
    if _is_mcu(args.target) and not (args.output or "").endswith(".snnc"):
        from snncompile.backends.c.project import ARTIFACT_NAME, write_artifact_project

        folder = args.output or default_output_path(args.model, f"_{artifact.target['name']}")
        written = write_artifact_project(artifact, folder)
        output, project = str(written.folder / ARTIFACT_NAME), str(written.folder)
    else:
        output = args.output or default_output_path(args.model, ".snnc")
        save_artifact(artifact, output)
    partition = artifact.partition.to_dict() if artifact.partition is not None else None
    if partition is not None:  # segment nodes as the schema's node objects (name, kind)
        partition["segments"] = [{**s, "nodes": [{"name": n, "kind": artifact.fixed.nodes[n].kind} for n in s["nodes"]]}
                                 for s in partition["segments"]]
    return {
        "model": args.model,
        "calibration": args.calibrate,
        "output": output,
        "project": project,
        "target": str(artifact.target["name"]),
        "target_spec": dict(artifact.target),
        "nodes": [{"name": n, "kind": node.kind} for n, node in artifact.fixed.items()],
        "lags": dict(artifact.lags),
        "report": report_dict(artifact.report),
        "partition": partition,
        "provenance": dict(artifact.provenance),
    }


def report_dict(report) -> dict:
    """The quantization report, its error budget as :meth:`ErrorBudget.to_dict` names it."""
    data = report.to_dict()
    if report.budget is not None:
        data["budget"] = report.budget.to_dict()
    return data


def render(result: dict) -> str:
    from snncompile.partition_report import render_partition
    from snncompile.reports.quantization import QuantizationReport
    from snncompile.reports.render import render_report

    report = QuantizationReport.from_dict(result["report"])
    lines = [render_report(report)]
    if result.get("partition"):
        lines.append(render_partition(result["partition"]))
    lines.append(f"wrote {result['output']} ({len(result['nodes'])} nodes, target {result['target']})")
    if result.get("project"):
        lines.append(f"wrote the C project {result['project']}/ (snn_model.h: the API; make: host harness)")
    return "\n".join(lines)

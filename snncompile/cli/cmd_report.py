"""``snncompile report MODEL [--target all] [--input X.npz] -o report.html``: one
self-contained HTML page (pictures embedded) with accuracy, quantization and error budget
(for a compiled artifact), estimates, mapping reasons and plots
(:mod:`snncompile.reports.html`)."""

from __future__ import annotations

import argparse

from snncompile.cli.cmd_estimate import add_input_arguments, build_report
from snncompile.cli.common import add_model_arguments, add_readout_argument, readout_line
from snncompile.errors import UnsupportedError

NAME = "report"
HELP = "write one self-contained HTML report: accuracy, quantization, estimates, mapping verdicts, plots"
EXAMPLES = """
snncompile report model.nir --input x.npz -o report.html
snncompile report model.snnc --target loihi2,speck --borrow loihi2=loihi -o report.html
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_input_arguments(p)
    add_readout_argument(p)
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")


def run(args: argparse.Namespace) -> dict:
    try:  # before the estimate runs: matplotlib is the optional 'plots' extra
        import snncompile.estimate.plots  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise
        raise UnsupportedError("report draws its pictures with matplotlib, which is not installed: "
                               "pip install 'snncompile[plots]'") from None
    from snncompile.api import choose_readout, load_inputs, model_kind, read_input_file
    from snncompile.reports.html import compiled_summary, write_html_report

    readout, chosen_by = choose_readout(args.readout, args.model)
    report = build_report(args)
    labels = read_input_file(args.input).get("labels") if args.input else None
    compiled = None
    if model_kind(args.model) == "artifact":
        from snncompile.compile import load_artifact

        artifact = load_artifact(args.model)
        data = load_inputs(args.input, artifact.float_graph) if args.input else None
        compiled = compiled_summary(artifact, None if data is None else data.arrays,
                                    None if data is None else data.labels, readout=readout)
    out = write_html_report(report, args.output, labels=labels, compiled=compiled, readout=readout)
    result = report.to_dict()
    return {"model": args.model, "input": args.input, "output": str(out), "targets": sorted(result["mapping"]),
            "readout": readout, "readout_chosen_by": chosen_by}


def render(result: dict) -> str:
    return (f"wrote {result['output']} (one file, pictures embedded); "
            f"{readout_line(result['readout'], result['readout_chosen_by'], result['model'])}")

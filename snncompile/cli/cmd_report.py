"""``snncompile report MODEL [--target all] [--input X.npz] -o report.html``: the estimate
tables, mapping verdicts and PNG pictures (written beside the HTML file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from snncompile.cli.cmd_estimate import add_input_arguments, build_report
from snncompile.cli.common import add_model_arguments
from snncompile.errors import UnsupportedError
from snncompile.fileio import atomic_open

NAME = "report"
HELP = "write an HTML report with estimate tables, mapping verdicts and PNG plots"
EXAMPLES = """
snncompile report model.nir --input x.npz -o report.html
snncompile report model.snnc --target loihi2,speck --borrow loihi2=loihi -o report.html
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_input_arguments(p)
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")


def run(args: argparse.Namespace) -> dict:
    try:  # before the estimate runs: matplotlib is the optional 'plots' extra
        from snncompile.estimate.plots import save_all
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib":
            raise
        raise UnsupportedError("report draws its pictures with matplotlib, which is not installed: "
                               "pip install 'snncompile[plots]'") from None
    from snncompile.estimate.html import build_html

    report = build_report(args)
    out = Path(args.output)
    images = save_all(report, out.parent, out.stem)
    data = report.to_dict()
    with atomic_open(out) as fh:
        fh.write(build_html(data, images, out.parent))
    return {"model": args.model, "input": args.input, "output": str(out),
            "images": {k: str(v) for k, v in images.items()}, "targets": sorted(data["mapping"])}


def render(result: dict) -> str:
    lines = [f"wrote {result['output']}"] + [f"wrote {p}" for p in result["images"].values()]
    return "\n".join(lines)

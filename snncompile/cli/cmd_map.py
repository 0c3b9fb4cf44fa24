"""``snncompile map MODEL --target T [--weight-bits B]``: placement, resource report and,
when the network does not fit, every violation (exit code 2)."""

from __future__ import annotations

import argparse

from snncompile.cli.common import add_model_arguments, model_from_args
from snncompile.cli.output import table

NAME = "map"
HELP = "place a model on a target's cores: resource report, or every rule it breaks"
EXAMPLES = """
snncompile map model.nir --target loihi2
snncompile map model.snnc --target speck --json
snncompile map model.nir --target chip.toml --weight-bits 4
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("--target", required=True, help="target name or .toml path")
    p.add_argument("--weight-bits", type=int, help="weight width (default: the target's own)")


def run(args: argparse.Namespace) -> dict:
    from snncompile.mapping import map_graph
    from snncompile.targets import load_target

    graph = model_from_args(args)
    target = load_target(args.target)
    placement = map_graph(graph, target, weight_bits=args.weight_bits, strict=False)
    result = {"model": args.model, **placement.to_dict(), "chip": placement.chip_rows(target)}
    if not placement.fits:
        result["exit_code"] = 2
    return result


def render(result: dict) -> str:
    from snncompile.mapping.violation import COLUMNS

    verdict = "fits" if result["fits"] else f"does NOT fit: {len(result['violations'])} violations"
    parts = [f"{result['model']} on {result['target']}: {verdict}; {result['cores_used']} cores used"]
    if result["cores"]:
        parts.append(table(result["cores"], title="Cores (actual vs limit; utilisation = tightest resource)"))
    if result["chip"]:
        parts.append(table(result["chip"], title="Chip"))
    parts.append(table(result["layers"], title="Layers"))
    if result["violations"]:
        parts.append(table(result["violations"], COLUMNS, title="Violations"))
    parts.append("Assumptions:\n" + "\n".join(f"- {a}" for a in result["assumptions"]))
    return "\n\n".join(parts)

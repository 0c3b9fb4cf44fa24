"""``snncompile targets [NAME]``: the built-in targets, or one target's figures.

NAME is a built-in target ("loihi2") or a path to a target file ("chip.toml"); a
file that does not validate is reported with every problem, file and key.
"""

from __future__ import annotations

import argparse

from snncompile.cli.output import table

NAME = "targets"
HELP = "list targets, or show one target's limits, energies and cycles with their sources"
EXAMPLES = """
snncompile targets
snncompile targets loihi2
snncompile targets chip.toml --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="a built-in target (see the list) or a path to a target .toml file")
    p.add_argument("--schema", action="store_true",
                   help="list every key a target file may have, with its unit")


def run(args: argparse.Namespace) -> dict:
    from snncompile.targets import load_target
    from snncompile.targets.render import schema_table, target_table, targets_summary

    if args.schema:
        return {"keys": schema_table()}
    if args.name is None:
        return {"targets": targets_summary()}
    target = load_target(args.name)
    return {"target": target.name, "kind": target.kind, "description": target.description,
            "path": str(target.path), "figure_rows": target_table(target)}


def render(result: dict) -> str:
    from snncompile.targets.render import SUMMARY_COLUMNS, TABLE_COLUMNS, format_value

    if "keys" in result:
        return table(result["keys"], ["section", "key", "unit", "type", "doc"])
    if "targets" in result:
        rows = [{**r, "provenance": " ".join(f"{k}={v}" for k, v in r["provenance"].items())}
                for r in result["targets"]]
        return table(rows, SUMMARY_COLUMNS)
    rows = [{**r, "value": format_value(r["value"], r["unit"])} for r in result["figure_rows"]]
    head = f"{result['target']} ({result['kind']}): {result['description']}\n{result['path']}"
    return f"{head}\n\n{table(rows, TABLE_COLUMNS)}"

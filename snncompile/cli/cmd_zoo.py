"""``snncompile zoo [--table [--write docs/zoo.md]] [--measure NAME|all ... [--check]]``.

Without options: the zoo's networks. ``--measure`` runs the slow measurements of the
seed table and stores them; with ``--check`` it runs them again and compares with the
stored ones instead (exit code 1 when they differ). ``--table`` renders the table
(structure derived now, measurements from the stored file); ``--write`` puts it into
docs/zoo.md, where ``tests/zoo/test_table.py`` checks it is what this command prints.
"""

from __future__ import annotations

import argparse

NAME = "zoo"
HELP = "the zoo's trained networks (zoo:NAME models): list them, measure them, or write the seed table"
EXAMPLES = """
snncompile zoo
snncompile zoo --table --write docs/zoo.md
snncompile zoo --measure l2mu --check
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--table", action="store_true",
                   help="print the seed table (markdown): structure derived now, measurements from the stored file")
    p.add_argument("--write", metavar="FILE.md",
                   help="with --table: put the table between the seed-table markers of FILE.md (e.g. docs/zoo.md)")
    p.add_argument("--measure", action="append", metavar="NAME",
                   help="re-measure NAME ('all': every network; repeatable) and store it (minutes per network)")
    p.add_argument("--check", action="store_true",
                   help="with --measure: measure again and compare with the stored file (writes nothing; exit 1 on a difference)")
    p.add_argument("--measurements", metavar="FILE.json",
                   help="measurement file to read and write (default: the one shipped with snncompile.zoo)")


def run(args: argparse.Namespace) -> dict:
    from snncompile.errors import InputError
    from snncompile.zoo import table
    from snncompile.zoo.models import ZOO

    path = args.measurements or table.MEASUREMENTS
    if args.write and not args.table:
        raise InputError("--write: give --table too (it writes the table)")
    if args.check and not args.measure:
        raise InputError("--check: give --measure NAME (or all) too (it checks those measurements)")
    result: dict = {"networks": {n: e.description for n, e in ZOO.items()}}
    if args.measure:
        names = list(ZOO) if "all" in args.measure else args.measure
        unknown = [n for n in names if n not in ZOO]
        if unknown:
            raise InputError(f"--measure: unknown zoo network(s) {unknown}; known: {', '.join(ZOO)}")
        if args.check:
            result["checked"] = table.check_measurements(names, path)
            result["exit_code"] = int(any(result["checked"].values()))
        else:
            table.update_measurements(names, path)
            result["measured"] = names
    if args.table:
        measurements = table.load_measurements(path)
        result["table"] = table.render(measurements)
        result["stale"] = table.stale(measurements)
        if args.write:
            result["output"] = args.write
            result["changed"] = table.write_table(args.write, result["table"])
    return result


def render(result: dict) -> str:
    lines = []
    if "table" not in result:
        lines += [f"zoo:{name}  {text}" for name, text in result["networks"].items()]
    for name, found in result.get("checked", {}).items():
        lines.append(f"{name}: " + ("reproduces the stored measurement" if not found else "differs"))
        lines += [f"  {d}" for d in found]
    if result.get("measured"):
        lines.append(f"measured: {', '.join(result['measured'])}")
    if "table" in result:
        lines.append(result["table"].rstrip("\n"))
        if result["stale"]:
            lines.append(f"not measured or stale: {', '.join(result['stale'])} (snncompile zoo --measure NAME)")
    if result.get("output"):
        lines.append(f"{'updated' if result['changed'] else 'unchanged'}: {result['output']}")
    return "\n".join(lines)

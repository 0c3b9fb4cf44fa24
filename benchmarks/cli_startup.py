"""Start-up of the command line: ``--version``, ``--help``, each command's ``--help``,
and the import time of the emulator's path.

    python -m benchmarks.cli_startup [--repeats 5] [--write-docs]

Each is a fresh ``python -m snncompile`` process (the console script does the same);
the figure is the best wall time of ``--repeats`` runs (see benchmarks/timing.py), with
its CPU time. tests/cli/test_main.py checks which packages each one imports.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.timing import load, print_report, run_command
from snncompile.cli.main import COMMANDS

CLI = [sys.executable, "-m", "snncompile"]


def run(repeats: int) -> dict:
    rows: dict = {"load_average_before": load()}
    bare = run_command([sys.executable, "-c", "pass"], repeats)
    rows["python -c pass (interpreter alone) s"] = bare.wall
    for argv in (["--version"], ["--help"], *([c, "--help"] for c in COMMANDS)):
        t = run_command([*CLI, *argv], repeats)
        rows[f"snncompile {' '.join(argv)} s"] = t.wall
        rows[f"snncompile {' '.join(argv)} cpu_s"] = t.cpu
    probe = ("import time; t = time.perf_counter(); import snncompile.emulator; "
             "print(time.perf_counter() - t)")
    t = run_command([sys.executable, "-c", probe], repeats)
    rows["import snncompile.emulator (numba) s"] = float(t.result.stdout.strip())
    rows["load_average_after"] = load()
    return {"startup": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/loihi.md")
    args = parser.parse_args()
    report = run(args.repeats)
    print_report(report)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        write_block("loihi.md", "cli_startup", report_table(report), f"python -m benchmarks.cli_startup --repeats {args.repeats} --write-docs")


if __name__ == "__main__":
    main()

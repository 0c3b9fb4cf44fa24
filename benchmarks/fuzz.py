"""``python -m benchmarks.fuzz --cases 10000``: the long fuzzing campaign (issue 13).

Draws ``--cases`` hostile inputs (fixed ``--seed``) for every file the CLI reads, runs a
command on each in worker processes (in-process CLI, time limit per case) and every
``--cli-every``-th also through ``python -m snncompile``; prints the counts: cases,
results, clean errors, tracebacks, hangs, crashes, peak memory. Exit status 1 when any
case ended in a traceback, a hang, a crash or a malformed error. ``--keep DIR`` keeps the
failing cases' files with their command lines; ``--only 12,40`` reruns some cases.
"""

from __future__ import annotations

import argparse
import json
import sys

from snncompile.testing.fuzz.runner import run_campaign


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per case before it counts as a hang")
    p.add_argument("--cli-every", type=int, default=100, help="also run every N-th case through the CLI (0: none)")
    p.add_argument("--keep", help="copy failing cases (files + case.json) into this folder")
    p.add_argument("--only", help="comma-separated case numbers to run")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.add_argument("--by-generator", action="store_true", help="also print outcomes per generator")
    args = p.parse_args(argv)
    only = [int(v) for v in args.only.split(",")] if args.only else None
    report = run_campaign(args.cases, seed=args.seed, workers=args.workers, timeout=args.timeout,
                          cli_every=args.cli_every, keep=args.keep, only=only, progress=True)
    summary = report.summary()
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        for key, value in summary.items():
            print(f"{key:>18}: {value}")
    if args.by_generator:
        for key, counts in sorted(report.by_generator.items()):
            print(f"  {key:40} {dict(counts)}")
    for failure in report.failures[:50]:
        print(f"\n{failure.kind}: {failure.case.label()}\n  argv: {' '.join(failure.case.argv)}\n  "
              + failure.detail.strip().replace("\n", "\n  ")[-1500:])
    return 1 if report.bad() else 0


if __name__ == "__main__":
    sys.exit(main())

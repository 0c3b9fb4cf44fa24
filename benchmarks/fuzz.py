"""``python -m benchmarks.fuzz --cases 10000``: the long fuzzing campaign (issue 13).

Draws ``--cases`` hostile inputs (fixed ``--seed``) for every file the CLI reads, runs a
command on each in worker processes (in-process CLI, time limit per case) and every
``--cli-every``-th also through ``python -m snncompile``; prints the counts: cases,
results, clean errors, tracebacks, hangs, crashes, peak memory. Exit status 1 when any
case ended in a traceback, a hang, a crash or a malformed error. ``--keep DIR`` keeps the
failing cases' files with their command lines; ``--only 12,40`` reruns some cases.
``--write-docs`` writes the counts (overall and by kind of file) into docs/robustness.md
(benchmarks/doc_tables.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

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
    p.add_argument("--write-docs", action="store_true", help="write the counts into docs/robustness.md")
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
    if args.write_docs and only is None:
        from benchmarks.doc_tables import write_block

        write_block("robustness.md", "fuzz", doc_tables(summary, report.by_generator),
                    f"python -m benchmarks.fuzz --cases {args.cases} --seed {args.seed} --workers {args.workers} "
                    f"--cli-every {args.cli_every} --write-docs")
    return 1 if report.bad() else 0


KIND_NAMES = {"nir": "`.nir`", "npz": "input `.npz`", "snnc": "`.snnc`", "snnir": "`.snnir`", "net": "`.net`",
              "toml": "target `.toml`", "args": "options", "py": "`file.py:factory`", "pt": "weights `.pt`"}


def doc_tables(summary: dict, by_generator: dict[str, Counter]) -> str:
    """The campaign's outcomes, then the cases by the kind of file made hostile."""
    from benchmarks.doc_tables import markdown_table

    s = summary
    overall = [["cases", f"{s['cases']:,}"], ["results", f"{s['results']:,}"],
               ["clean errors (one line naming a file or option, exit 2)", f"{s['clean errors']:,}"],
               ["errors naming no file", f"{s['unnamed errors']:,}"], ["tracebacks", f"{s['tracebacks']:,}"],
               ["malformed exits", f"{s['bad exits']:,}"], ["hangs", f"{s['hangs']:,}"], ["crashes", f"{s['crashes']:,}"],
               ["harness errors", f"{s['harness errors']:,}"],
               ["through the CLI: cases, bad outcomes", f"{s['cli cases']:,}, {s['cli bad']:,}"],
               ["peak memory of a worker", f"{s['peak memory MiB']:,.0f} MiB ({s['peak memory case'] or 'none'})"],
               ["wall time", f"{s['seconds']:,.0f} s"]]
    kinds: dict[str, Counter] = {}
    for key, counts in by_generator.items():
        kinds.setdefault(key.split("/")[0], Counter()).update(counts)
    rows = [[KIND_NAMES.get(kind, kind), f"{sum(c.values()):,}", f"{c['result']:,}",
             f"{c['clean'] + c['unnamed'] + c['usage']:,}", f"{sum(c.values()) - c['result'] - c['clean'] - c['unnamed'] - c['usage']:,}"]
            for kind, c in sorted(kinds.items(), key=lambda kc: -sum(kc[1].values()))]
    return "\n\n".join([markdown_table(["outcome", "cases"], overall), "By the kind of file made hostile:",
                          markdown_table(["kind", "cases", "results", "clean errors", "other"], rows)])


if __name__ == "__main__":
    sys.exit(main())

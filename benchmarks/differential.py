"""Differential sweep: emulator vs Lava fixed_pt on random fixed graphs.

    python -m benchmarks.differential [--examples 200] [--seed 0] [--json out.json] [--write-docs]

Draws ``--examples`` graphs from :func:`snncompile.testing.fixed_graphs.fixed_cases`
(generation only, no shrinking: each Lava run costs about a second), runs both, and
compares every output, spike, ``u`` and ``v`` of every layer and step. Prints the
number of graphs, of compared values, of mismatching graphs (listing each) and timings.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import warnings

from benchmarks.sweep import sweep as run_sweep
from snncompile.backends.lava import run_lava
from snncompile.testing.fixed_graphs import fixed_cases

#: what a case exercises -> the pattern in its description
FEATURES = {"large values": r"\blarge\b", "graded input": r"\bgraded\b", "Lava Sparse": r"\bsparse\b",
            "conv": r"\bconv", "sum pool": r"sumpool", "dense": r"\bfc", "per-synapse delays": r"\+delays",
            "recurrence": r"\brec", "edge delays": r"\+d\d"}
RECORD = dict(record="neurons", membranes="neurons", currents="neurons")


def sweep(examples: int, rng_seed: int, max_steps: int = 24) -> dict:
    def lava(case):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_lava(case.graph, case.inputs, sparse=case.sparse, **RECORD)

    def kinds(case, emu) -> dict[str, bool]:
        return {feature: bool(re.search(pattern, case.description)) for feature, pattern in FEATURES.items()}

    # a Lava failure is a finding, not a crash of the sweep
    s = run_sweep(fixed_cases(max_steps=max_steps), examples, rng_seed, lava, RECORD, kinds, failures=(Exception,))
    return {"graphs": s.cases, "values_compared": s.values_compared, "mismatching_graphs": s.mismatching,
            "errors": s.errors, "emulator_s": s.emulator_s, "lava_s": s.other_s,
            "kinds": {k: v for k, v in s.exercised.items() if v}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    parser.add_argument("--write-docs", action="store_true", help="write the sweep's table into docs/loihi.md")
    args = parser.parse_args()
    start = time.perf_counter()
    stats = sweep(args.examples, args.seed)
    stats["wall_s"] = time.perf_counter() - start
    print(f"graphs compared          {stats['graphs']}")
    print(f"values compared          {stats['values_compared']:,} (outputs, spikes, u, v per layer and step)")
    print(f"mismatching graphs       {len(stats['mismatching_graphs'])}")
    for line in stats["mismatching_graphs"]:
        print("   ", line)
    print(f"Lava errors              {len(stats['errors'])}")
    for line in stats["errors"]:
        print("   ", line)
    print(f"features drawn           {dict(sorted(stats['kinds'].items()))}")
    print(f"time emulator / Lava     {stats['emulator_s']:.1f} s / {stats['lava_s']:.1f} s (wall {stats['wall_s']:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(stats, f, indent=2)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        drawn = ", ".join(f"{k} {v}" for k, v in sorted(stats["kinds"].items(), key=lambda kv: -kv[1]))
        report = {f"seed {args.seed}": {
            "graphs": stats["graphs"], "values compared (outputs, spikes, u, v)": stats["values_compared"],
            "mismatching graphs": len(stats["mismatching_graphs"]), "Lava errors": len(stats["errors"]),
            "graphs containing each feature": drawn,
            "time emulator / Lava / wall s": f"{stats['emulator_s']:.1f} / {stats['lava_s']:.1f} / {stats['wall_s']:.0f}"}}
        write_block("loihi.md", "differential", report_table(report),
                    f"python -m benchmarks.differential --examples {args.examples} --seed {args.seed} --write-docs")


if __name__ == "__main__":
    main()

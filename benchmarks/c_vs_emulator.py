"""Differential sweep: the generated C (backend ``c``, compiled with this machine's C
compiler) vs the emulator on random fixed graphs.

    python -m benchmarks.c_vs_emulator [--examples 100] [--seed 0] [--json out.json] [--write-docs]

Draws ``--examples`` graphs from :func:`snncompile.testing.c_graphs.c_cases` (Lava's
random graphs plus subtract/no reset, ``>=``, graded spikes, delayed bias sources,
skip synapses and summed synapse inputs), runs both on the same input and compares
every output, every node's payloads and every population's ``u`` and ``v`` at every
step. Prints the number of graphs, of values compared, of mismatching graphs (listing
each) and how often each feature was drawn. ``--write-docs`` writes that table into
docs/mcu.md (benchmarks/doc_tables.py).
"""

from __future__ import annotations

import argparse
import json
import re
import time

from benchmarks.sweep import sweep as run_sweep
from snncompile.simulate.backend import get_backend
from snncompile.testing.c_graphs import c_cases

RECORD = dict(record="all", membranes="neurons", currents="neurons")
FEATURES = {"conv": r"\bconv", "per-synapse delays": r"\+delays", "recurrence": r"\brec", "graded input": r"^T=\d+ (large )?graded",
            "subtract reset": r":subtract", "no reset": r":none", ">=": r">=", "graded spikes": r"\+graded",
            "bias source": r"bias->", "skip synapse": r"skip->", "summed synapse input": r"summed",
            "large values": r"\blarge\b"}


def sweep(examples: int, rng_seed: int) -> dict:
    backend = get_backend("c")

    def kinds(case, emu) -> dict[str, bool]:
        return {feature: bool(re.search(pattern, case.description)) for feature, pattern in FEATURES.items()}

    s = run_sweep(c_cases(max_steps=24), examples, rng_seed, lambda case: backend.run(case.graph, case.inputs, **RECORD),
                  RECORD, kinds)
    return {"graphs": s.cases, "values_compared": s.values_compared, "mismatching_graphs": s.mismatching,
            "kinds": {k: v for k, v in s.exercised.items() if v}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    parser.add_argument("--write-docs", action="store_true", help="write the sweep's table into docs/mcu.md")
    args = parser.parse_args()
    start = time.perf_counter()
    stats = sweep(args.examples, args.seed)
    stats["wall_s"] = time.perf_counter() - start
    print(f"graphs compared          {stats['graphs']}")
    print(f"values compared          {stats['values_compared']:,} (outputs, payloads, u, v per node and step)")
    print(f"mismatching graphs       {len(stats['mismatching_graphs'])}")
    for line in stats["mismatching_graphs"]:
        print(f"  {line}")
    print("features drawn           " + ", ".join(f"{k} {v}" for k, v in sorted(stats["kinds"].items())))
    print(f"wall time                {stats['wall_s']:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(stats, handle, indent=1)
    if args.write_docs:
        write_docs(stats, args)


def write_docs(stats: dict, args: argparse.Namespace) -> None:
    from benchmarks.doc_tables import report_table, write_block

    drawn = ", ".join(f"{k} {v}" for k, v in sorted(stats["kinds"].items(), key=lambda kv: -kv[1]))
    report = {f"seed {args.seed}": {
        "graphs (up to 24 steps each)": stats["graphs"],
        "values compared (outputs, payloads, u, v per node and step)": stats["values_compared"],
        "mismatching graphs": len(stats["mismatching_graphs"]),
        "graphs containing each feature": drawn,
        "wall s": stats["wall_s"]}}
    write_block("mcu.md", "c_vs_emulator", report_table(report),
                f"python -m benchmarks.c_vs_emulator --examples {args.examples} --seed {args.seed} --write-docs")


if __name__ == "__main__":
    main()

"""Differential sweep: emulator vs SynSense's XyloSim on random Xylo Audio 2 networks.

    python -m benchmarks.differential_xylo [--examples 200] [--seed 0] [--hidden 120] [--json out.json]

Draws ``--examples`` networks from :func:`snncompile.testing.xylo_graphs.xylo_cases`
(generation only, no shrinking): up to 16 inputs, one to three recurrent hidden
populations of up to ``--hidden`` neurons each with its own synaptic and membrane time
constants, one or two output populations, int8 weights with one shift per group, subtract
reset, binary or counted input spikes, and a "large values" regime that saturates currents
and membranes. Runs each on the emulator and on XyloSim (``xylosim`` 0.1.3 through Rockpool
3.1.0) and compares every output, spike count, synaptic current and membrane of every
population and step. Prints the number of networks, of compared values, of mismatching
networks (listing each), what the draws exercised and timings.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks.sweep import sweep as run_sweep
from snncompile.simulate import get_backend
from snncompile.testing.xylo_graphs import xylo_cases

RECORD = dict(record="neurons", membranes="neurons", currents="neurons")
LIMIT = 2**15 - 1


def _exercised(case, emu) -> dict[str, bool]:
    """What one network drove the arithmetic through."""
    states = [*emu.currents.values(), *emu.membranes.values()]
    taus = {(n.du, n.dv) for n in case.graph.nodes.values() if hasattr(n, "du")}
    return {
        "saturated state": any(np.any(s >= LIMIT) or np.any(s <= -LIMIT) for s in states),
        "several spikes per step": any(np.any(r > 1) for r in emu.recorded.values()),
        "input counts": "counts" in case.description,
        "recurrence": "rec=0" not in case.description,
        "several time constants": len(taus) > 1,
        "large values": "large" in case.description,
    }


def sweep(examples: int, rng_seed: int, max_hidden: int, max_steps: int = 60) -> dict:
    xylosim = get_backend("xylosim")

    def exercised(case, emu) -> dict[str, int | bool]:
        return {**_exercised(case, emu), "neurons": sum(a.shape[-1] for a in emu.membranes.values())}

    s = run_sweep(xylo_cases(max_steps=max_steps, max_hidden=max_hidden, batch=2), examples, rng_seed,
                  lambda case: xylosim(case.graph, case.inputs, **RECORD), RECORD, exercised)
    neurons = s.exercised.pop("neurons", 0)
    return {"networks": s.cases, "values_compared": s.values_compared, "mismatching": s.mismatching,
            "exercised": s.exercised, "neurons": neurons, "emulator_s": s.emulator_s, "xylosim_s": s.other_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden", type=int, default=120, help="largest hidden population (up to 3 of them)")
    parser.add_argument("--json")
    parser.add_argument("--write-docs", action="store_true", help="write the sweep into docs/neuromorphic-targets.md")
    args = parser.parse_args()
    start = time.perf_counter()
    stats = sweep(args.examples, args.seed, args.hidden)
    stats["wall_s"] = time.perf_counter() - start
    print(f"networks compared        {stats['networks']} ({stats['neurons']} neurons in all)")
    print(f"values compared          {stats['values_compared']:,} (outputs, spike counts, currents, membranes "
          "per population and step)")
    print(f"mismatching networks     {len(stats['mismatching'])}")
    for line in stats["mismatching"]:
        print("   ", line)
    print(f"networks that exercised  {dict(sorted(stats['exercised'].items()))}")
    print(f"time emulator / XyloSim  {stats['emulator_s']:.1f} s / {stats['xylosim_s']:.1f} s "
          f"(wall {stats['wall_s']:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(stats, f, indent=2)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        report = {f"seed {args.seed}": {
            "networks compared": stats["networks"], "neurons in all": stats["neurons"],
            "values compared (outputs, spike counts, currents, membranes)": stats["values_compared"],
            "mismatching networks": len(stats["mismatching"]),
            "networks that exercised": ", ".join(f"{k} {v}" for k, v in sorted(stats["exercised"].items())),
            "time emulator / XyloSim / wall s": f"{stats['emulator_s']:.1f} / {stats['xylosim_s']:.1f} / "
                                                f"{stats['wall_s']:.0f}"}}
        write_block("neuromorphic-targets.md", "differential_xylo", report_table(report),
                    f"python -m benchmarks.differential_xylo --examples {args.examples} --seed {args.seed} "
                    f"--hidden {args.hidden} --write-docs")


if __name__ == "__main__":
    main()

"""Emulator vs Lava fixed_pt throughput, scaling over cores, and synaptic events per
second per core, in process (``benchmarks.cli_vs_lava`` does the same through the CLI).

    python -m benchmarks.emulator_vs_lava [--steps 1000] [--batch 256] [--repeats 3] [--json out.json] [--write-docs]

1. Three layers of 256 FixedLIF (dense synapses), ``--steps`` steps. Lava runs batch 1
   (it has no batch); the emulator runs batch 1 (one thread) and ``--batch`` on one and
   on two cores (``os.sched_setaffinity``: the emulator uses the cores it is given). On a
   shared machine the wall-time speed-up is whatever the other jobs leave, so the report
   adds the cores actually obtained (CPU time / wall time) and the CPU time of each
   thread: their sum over their maximum is the speed-up two free cores would give.
   Throughput is samples x steps / second; ratios are measured in this same run. The
   emulator's batch-1 output is checked to equal Lava's, spike for spike.
2. A >= 100k-neuron convolutional network with sparse activity, on one thread: synaptic
   events (synops) per second against the machine's random scatter-add rate measured
   just before (the same operation with nothing else to do), by wall time and by CPU time.

Timings are the best of ``--repeats`` runs; see benchmarks/timing.py for why.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
from numba import njit

from benchmarks.timing import best_of, cores, load, print_report
from snncompile.emulator import emulate, fused
from snncompile.ir.fixed import FixedGraphBuilder


def three_layers(width: int = 256, seed: int = 0):
    rng = np.random.default_rng(seed)
    b = FixedGraphBuilder((width,))
    for _ in range(3):
        w = rng.integers(-64, 64, (width, width))
        w[rng.random((width, width)) < 0.5] = 0
        b.linear(w)
        b.lif(du=1024, dv=256, vth=600)  # with 5% input: 3-6% of neurons spike per step
    b.output()
    return b.graph


def big_conv(seed: int = 0):
    """(8, 64, 64) input -> conv3x3 16 ch -> LIF 65k -> conv3x3/2 32 ch -> LIF 32k ->
    conv3x3/2 32 ch -> LIF 8k: 106k neurons, ~14M synapses."""
    rng = np.random.default_rng(seed)
    b = FixedGraphBuilder((8, 64, 64))
    b.conv2d(rng.integers(-20, 60, (16, 8, 3, 3)) * 2, padding=1)
    b.lif(du=1024, dv=256, vth=150)
    b.conv2d(rng.integers(-20, 60, (32, 16, 3, 3)) * 2, padding=1, stride=2)
    b.lif(du=1024, dv=256, vth=150)
    b.conv2d(rng.integers(-20, 60, (32, 32, 3, 3)) * 2, padding=1, stride=2)
    b.lif(du=1024, dv=256, vth=150)
    b.output()
    return b.graph


@njit(cache=True)
def _scatter_add(idx, w, acc):
    for j in range(idx.size):
        acc[idx[j]] += w[j]


def scatter_add_ceiling(repeats: int, n: int = 20_000_000) -> tuple[float, float]:
    """This machine's speed, now, at the emulator's core operation (random int32
    scatter-add into a 512 KiB int64 array), per wall second and per CPU second."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 1 << 16, n).astype(np.int32)
    w = np.ones(n, np.int32)
    acc = np.zeros(1 << 16, np.int64)
    _scatter_add(idx[:8], w[:8], acc)
    t = best_of(repeats, lambda: _scatter_add(idx, w, acc))
    return n / t.wall, n / t.cpu


def run(steps: int, batch: int, lava: bool = True, conv_steps: int = 100, conv_batch: int = 4,
        repeats: int = 3) -> dict:
    graph = three_layers()
    rng = np.random.default_rng(1)
    x = rng.random((batch, steps, 256)) < 0.05  # spike data as stored (bool, 1 byte)
    emulate(graph, x[:1, :5])  # compile (or load) the numba kernels outside the timings
    load_before = load()
    one = best_of(repeats, lambda: emulate(graph, x[:1], threads=1))
    row: dict = {"steps": steps, "batch": batch, "load_average_before": load_before,
                 "emulator_batch1_s": one.wall, "emulator_batch1_cpu_s": one.cpu,
                 "emulator_batch1_samples_steps_per_s": steps / one.wall}
    for n in (1, 2):
        with cores(n) as given:
            t = best_of(repeats, lambda: emulate(graph, x, counters=True))
        row[f"emulator_batch{batch}_{n}core_s"] = t.wall
        row[f"emulator_batch{batch}_{n}core_cpu_s"] = t.cpu
        row[f"emulator_batch{batch}_{n}core_cores_used"] = str(given)
        row[f"emulator_batch{batch}_{n}core_cores_obtained (cpu/wall)"] = t.cpu / t.wall
        split = fused.last_run["thread_cpu_s"]
        row[f"emulator_batch{batch}_{n}core_thread_cpu_s"] = str([round(c, 3) for c in split])
        last = t
    # what two free cores would give: the work is split between the threads as measured
    row["speedup_bound_from_split"] = sum(split) / max(split)
    row["speedup_2_cores_over_1"] = row[f"emulator_batch{batch}_1core_s"] / row[f"emulator_batch{batch}_2core_s"]
    row["emulator_batched_samples_steps_per_s"] = batch * steps / min(row[f"emulator_batch{batch}_1core_s"],
                                                                      row[f"emulator_batch{batch}_2core_s"])
    counters = last.result.counters
    row["spike_rate"] = float(sum(c["spikes"].sum() for c in counters.values() if "spikes" in c)) / (
        3 * 256 * batch * steps)
    report = {"dense_3x256": row}
    if lava:
        from snncompile.backends.lava import run_lava

        lav = best_of(1, lambda: run_lava(graph, x[:1], timeout=None))
        row["lava_batch1_s"] = lav.wall
        row["lava_samples_steps_per_s"] = steps / lav.wall
        row["ratio_batch1"] = lav.wall / one.wall
        row["ratio_batched"] = row["emulator_batched_samples_steps_per_s"] / row["lava_samples_steps_per_s"]
        row["lava_equals_emulator"] = bool(np.array_equal(lav.result.output(), one.result.output()))
    row["load_average_after"] = load()
    report["conv_100k"] = conv_rate(conv_steps, conv_batch, repeats)
    return report


def conv_rate(steps: int, batch: int, repeats: int) -> dict:
    cg = big_conv()
    xc = np.random.default_rng(2).random((batch, steps, 8, 64, 64)) < 0.02
    emulate(cg, xc[:1, :2])
    ceiling_wall, ceiling_cpu = scatter_add_ceiling(repeats)
    setup = best_of(repeats, lambda: emulate(cg, xc[:, :1], threads=1))  # tables + one step
    res = best_of(repeats, lambda: emulate(cg, xc, counters=True, threads=1))
    synops = int(sum(c["synops"].sum() for c in res.result.counters.values() if "synops" in c))
    neurons = sum(int(np.prod(n.shape)) for n in cg.nodes.values() if n.kind == "FixedLIF")
    return {
        "neurons": neurons, "steps": steps, "batch": batch, "threads": 1, "seconds": res.wall, "cpu_seconds": res.cpu,
        "setup_and_one_step_s": setup.wall, "synops": synops,
        "synops_per_s_per_core": synops / res.wall,
        "synops_per_cpu_s": synops / res.cpu,
        "scatter_add_ceiling_per_s": ceiling_wall,
        "scatter_add_ceiling_per_cpu_s": ceiling_cpu,
        "fraction_of_ceiling_wall": synops / res.wall / ceiling_wall,
        "fraction_of_ceiling_cpu": synops / res.cpu / ceiling_cpu,
        "neuron_updates_per_s": neurons * steps * batch / res.wall,
        "load_average": load(), "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-lava", action="store_true")
    parser.add_argument("--json", help="also write the report here")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/loihi.md")
    args = parser.parse_args()
    report = run(args.steps, args.batch, lava=not args.no_lava, repeats=args.repeats)
    print_report(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        write_block("loihi.md", "emulator_vs_lava", report_table(report), f"python -m benchmarks.emulator_vs_lava --steps {args.steps} --batch {args.batch} "
                    f"--repeats {args.repeats} --write-docs")


if __name__ == "__main__":
    main()

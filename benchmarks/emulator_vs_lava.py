"""Emulator vs Lava fixed_pt throughput, and synaptic events per second per core.

    python -m benchmarks.emulator_vs_lava [--steps 1000] [--batch 256] [--json out.json]

1. Three layers of 256 FixedLIF (dense synapses), ``--steps`` steps. Lava runs batch 1
   (it has no batch); the emulator runs batch 1 and ``--batch``. Throughput is
   samples x steps / second; ratios are measured in this same run. The emulator's batch-1
   output is checked to equal Lava's, spike for spike.
2. A >= 100k-neuron convolutional network with sparse activity: synaptic events (synops)
   per second on one core (the emulator is single-threaded).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from numba import njit

from snncompile.emulator import emulate
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


def machine_scatter_add_rate(n: int = 20_000_000) -> float:
    """This machine's speed, now, at the emulator's core operation (random int32
    scatter-add into a 512 KiB array): a ceiling to read the synops/s against."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 1 << 16, n).astype(np.int32)
    w = np.ones(n, np.int32)
    acc = np.zeros(1 << 16, np.int64)
    _scatter_add(idx[:8], w[:8], acc)
    _, seconds = timed(_scatter_add, idx, w, acc)
    return n / seconds


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def run(steps: int, batch: int, lava: bool = True, conv_steps: int = 100, conv_batch: int = 4) -> dict:
    graph = three_layers()
    rng = np.random.default_rng(1)
    x = (rng.random((batch, steps, 256)) < 0.05).astype(np.int8)  # spike data as stored (1 byte)
    emulate(graph, x[:1, :5])  # compile the numba kernels outside the timings
    emu1, t_emu1 = timed(emulate, graph, x[:1])
    emub, t_emub = timed(emulate, graph, x, counters=True)
    rate = float(sum(c["spikes"].sum() for n, c in emub.counters.items() if "spikes" in c)) / (3 * 256 * batch * steps)
    report = {
        "dense_3x256": {
            "steps": steps, "batch": batch, "spike_rate": rate,
            "emulator_batch1_s": t_emu1, "emulator_batched_s": t_emub,
            "emulator_batch1_samples_steps_per_s": steps / t_emu1,
            "emulator_batched_samples_steps_per_s": batch * steps / t_emub,
        }
    }
    if lava:
        from snncompile.backends.lava import run_lava

        lav, t_lava = timed(run_lava, graph, x[:1], timeout=None)
        row = report["dense_3x256"]
        row["lava_batch1_s"] = t_lava
        row["lava_samples_steps_per_s"] = steps / t_lava
        row["ratio_batch1"] = t_lava / t_emu1
        row["ratio_batched"] = (batch * steps / t_emub) / (steps / t_lava)
        row["lava_equals_emulator"] = bool(np.array_equal(lav.output(), emu1.output()))
    cg = big_conv()
    xc = (np.random.default_rng(2).random((conv_batch, conv_steps, 8, 64, 64)) < 0.02).astype(np.int8)
    emulate(cg, xc[:1, :2])
    _, t_setup = timed(emulate, cg, xc[:, :1])  # building the 14M-synapse tables + one step
    res, t_conv = timed(emulate, cg, xc, counters=True)
    synops = int(sum(c["synops"].sum() for c in res.counters.values() if "synops" in c))
    neurons = sum(int(np.prod(n.shape)) for n in cg.nodes.values() if n.kind == "FixedLIF")
    report["machine"] = {"load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count(),
                         "scatter_add_per_s": machine_scatter_add_rate()}
    report["conv_100k"] = {
        "neurons": neurons, "steps": conv_steps, "batch": conv_batch, "seconds": t_conv,
        "setup_and_one_step_s": t_setup, "synops": synops,
        "synops_per_s_per_core": synops / t_conv,
        "synops_per_s_per_core_after_setup": synops / max(t_conv - t_setup, 1e-9),
        "neuron_updates_per_s": neurons * conv_steps * conv_batch / t_conv,
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--no-lava", action="store_true")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args()
    report = run(args.steps, args.batch, lava=not args.no_lava)
    for section, rows in report.items():
        print(section)
        for key, value in rows.items():
            print(f"  {key:40s} {value:,.3f}" if isinstance(value, float) else f"  {key:40s} {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()

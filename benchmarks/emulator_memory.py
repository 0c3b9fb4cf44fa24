"""Peak memory of the emulator on a ~1 M-neuron network (issue: "a 1 M-neuron network
must run in a few GB").

    python -m benchmarks.emulator_memory [--channels 8] [--steps 50]

Input 2x256x256 spikes (5 %) -> Conv3x3 -> FixedLIF (C x 256 x 256) -> Conv3x3 -> FixedLIF
(C x 256 x 256); C = 8 gives 1,048,576 neurons and 47 M synapses. Prints neurons,
synapses, seconds and the process's peak resident memory (it includes Python, numpy,
numba and torch: measure in a fresh process).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from snncompile.emulator import emulate
from snncompile.ir.fixed import FixedConv2d, FixedGraphBuilder, FixedLIF


def network(channels: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    b = FixedGraphBuilder((2, 256, 256))
    b.conv2d(rng.integers(-20, 60, (channels, 2, 3, 3)), padding=1)
    b.lif(du=4095, dv=400, vth=60)
    b.conv2d(rng.integers(-20, 60, (channels, channels, 3, 3)), padding=1)
    b.lif(du=4095, dv=400, vth=200)
    b.output()
    return b.graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    graph = network(args.channels)
    neurons = sum(int(np.prod(n.shape)) for n in graph.nodes.values() if isinstance(n, FixedLIF))
    synapses = sum(int(np.count_nonzero(n.weight)) * 256 * 256 for n in graph.nodes.values()
                   if isinstance(n, FixedConv2d))  # upper bound: border outputs see fewer inputs
    x = (np.random.default_rng(1).random((1, args.steps, 2, 256, 256)) < 0.05).astype(np.int32)
    start = time.perf_counter()
    result = emulate(graph, x)
    seconds = time.perf_counter() - start
    print(f"neurons                 {neurons:,}")
    print(f"synapses (<=)           {synapses:,}")
    print(f"steps                   {args.steps}")
    print(f"seconds                 {seconds:.1f}")
    print(f"output spikes           {int(result.output().sum()):,}")
    print(f"peak RSS                {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main()

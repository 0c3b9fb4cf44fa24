"""Memory of the emulator: bytes per synapse, where the bytes go, and peak memory.

    python -m benchmarks.emulator_memory [--steps 50] [--only NAME]

Two convolutional networks, each run in a fresh process (peak resident memory is per
process: it includes Python, numpy and numba, about 0.2 GB, and no torch):

- ``1M``: 2x256x256 input (5 % spikes) -> Conv3x3 8 ch -> FixedLIF -> Conv3x3 8 ch ->
  FixedLIF: 1,048,576 neurons, 46 M synapses (the shape of issue 17's measurement, 2.37 GB
  before; weights and thresholds now give a few % of spikes instead of ~80 %);
- ``10M``: 4x512x512 input (5 % spikes) -> Conv3x3 10 ch -> FixedLIF, then three more
  Conv3x3 10 ch -> FixedLIF: 10,485,760 neurons, 791 M synapses.

Batch 1, ``--steps`` steps, output spikes recorded. Prints synapses (counted exactly from
the kernels and the image borders), the bytes of the synapse tables per synapse, the
loop's other buffers (:meth:`~snncompile.emulator.program.Program.footprint`), the
input and record arrays, seconds, and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from benchmarks.timing import load
from snncompile.emulator import emulate
from snncompile.emulator.program import Program
from snncompile.ir.fixed import FixedConv2d, FixedGraphBuilder, FixedLIF

NETWORKS = {  # input shape, channels, conv layers
    "1M": ((2, 256, 256), 8, 2),
    "10M": ((4, 512, 512), 10, 4),
}


def network(shape: tuple[int, int, int], channels: int, layers: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    b = FixedGraphBuilder(shape)
    c_in = shape[0]
    for layer in range(layers):
        b.conv2d(rng.integers(-40, 50, (channels, c_in, 3, 3)) * 2, padding=1)
        b.lif(du=4095, dv=400, vth=250 if layer == 0 else 500)  # a few % of neurons spike per step
        c_in = channels
    b.output()
    return b.graph


def conv_synapses(node: FixedConv2d, in_shape) -> int:
    """Nonzero synapses of a convolution: per tap, its nonzero weights times the outputs
    whose input under that tap lies inside the image."""
    _, ho, wo = node.output_shape(in_shape)

    def valid(n_in: int, n_out: int, k: int, s: int, p: int, d: int) -> np.ndarray:
        pos = np.arange(n_out)[None, :] * s - p + np.arange(k)[:, None] * d
        return ((pos >= 0) & (pos < n_in)).sum(axis=1)

    vy = valid(in_shape[1], ho, node.weight.shape[2], node.stride[0], node.padding[0], node.dilation[0])
    vx = valid(in_shape[2], wo, node.weight.shape[3], node.stride[1], node.padding[1], node.dilation[1])
    nnz = np.count_nonzero(node.effective_weight(), axis=(0, 1))  # (kh, kw)
    return int((nnz * vy[:, None] * vx[None, :]).sum())


def measure(name: str, steps: int) -> dict:
    shape, channels, layers = NETWORKS[name]
    graph = network(shape, channels, layers)
    shapes = graph.infer_shapes()
    neurons = sum(int(np.prod(n.shape)) for n in graph.nodes.values() if isinstance(n, FixedLIF))
    synapses = sum(conv_synapses(n, graph.input_shape(k, shapes)) for k, n in graph.items()
                   if isinstance(n, FixedConv2d))
    x = np.random.default_rng(1).random((1, steps, *shape)) < 0.05
    program = Program.build(graph, graph.step_order(), shapes)
    start = time.perf_counter()
    result = emulate(graph, x)
    seconds = time.perf_counter() - start
    row = {"neurons": neurons, "synapses": synapses, "steps": steps, "seconds": seconds,
           "output spikes per neuron and step": float(result.output().mean()),
           "synapse table bytes per synapse": program.syn.nbytes / synapses,
           "if unrolled as CSR (int32 index + int8 weight) bytes per synapse": 5.0}
    for what, nbytes in program.footprint(batch=1).items():
        row[f"{what} MB"] = nbytes / 1e6
    row["input (bool) MB"] = x.nbytes / 1e6
    row["output record (int8) MB"] = result.output().nbytes / 1e6
    row["peak RSS GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    row["load_average"] = load()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--only", choices=sorted(NETWORKS), help="measure one network in this process")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/loihi.md")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args.steps)))
        return
    report = {}
    for name in NETWORKS:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.emulator_memory", "--only", name, "--steps",
                               str(args.steps)], capture_output=True, text=True, check=True)
        report[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(name)
        for key, value in report[name].items():
            text = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else value
            print(f"  {key:66s} {text}")
    if args.write_docs:
        from benchmarks.doc_tables import report_table, write_block

        write_block("loihi.md", "emulator_memory", report_table(report), f"python -m benchmarks.emulator_memory --steps {args.steps} --write-docs")


if __name__ == "__main__":
    main()

"""The ideal emulator: a compiled graph run in float64, each error source either as the
chip computes it or exact.

It executes the compiled graph's structure (its nodes, edges and delays, so the chip's
pipeline) with the arithmetic of :class:`~snncompile.ir.fixed.FixedLIF` and
:class:`~snncompile.ir.fixed.FixedSynapse`, except that every source named in ``exact``
(see :mod:`snncompile.budget.sources`) uses the real-valued parameters of
:mod:`snncompile.budget.exact` instead:

- ``weights``: synapse output ``W x · 2**e`` with the exact mantissas, not floored
  (``weights:NAME``: synapse ``NAME`` only);
- ``decays``: ``u ← α u``, ``v ← β v`` (no integer factor, no truncation);
- ``threshold``: fires on ``v ≥ S θ`` (or ``>``) with the float comparator;
- ``bias``: the register's exact value, added from the neuron's lag on (its own float
  step 0) instead of from step 0 (the part of the register that
  :mod:`~snncompile.passes.quantize.add_bias_sources` added for the bias columns'
  rounding goes with the columns: it is dropped when ``weights`` are exact);
- ``saturation``: no 32-bit or 24-bit wrap, no clip of ``v``, no accumulator wrap;
- ``boundary``: a ``Quantize`` sends ``x · scale`` unrounded.

(``lag`` is not a switch here: the budget runs the graph compiled without synapse
latency.) With no source exact it computes what the integer emulator computes, bit for
bit (float64 holds every integer the chip holds exactly); with every source exact, the
float model's values scaled by ``S`` (tests check both ends). Host nodes run their
reference kernels.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from snncompile.budget.exact import Exact, ExactNeuron, ExactSynapse
from snncompile.errors import UnsupportedError
from snncompile.ir import Comparator, Graph, Reset
from snncompile.ir.fixed import FixedConv1d, FixedConv2d, FixedLIF, FixedLinear, FixedSynapse
from snncompile.ir.host import Quantize
from snncompile.ir.placement import LAG, on_host
from snncompile.passes.quantize.add_bias_sources import BIAS_CORRECTION
from snncompile.simulate.backend import normalize_inputs
from snncompile.simulate.kernels import Kernel
from snncompile.simulate.reference import StepRunner
from snncompile.simulate.result import SimResult

F64 = torch.float64


def _wrap(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Two's-complement wrap into ``bits`` signed bits (exact on integer-valued floats)."""
    half = float(1 << (bits - 1))
    return torch.remainder(x + half, 2 * half) - half


class SynapseKernel(Kernel):
    def __init__(self, name: str, node: FixedSynapse, exact: ExactSynapse | None, sources: Collection[str]):
        if isinstance(node, FixedLinear) and node.delays is not None and np.any(node.delays):
            raise UnsupportedError("per-synapse delays: the ideal emulator has no form for them")
        self.exact_weights = "weights" in sources or f"weights:{name}" in sources
        weight = exact.weight if self.exact_weights and exact is not None else node.effective_weight()
        self.w = torch.as_tensor(np.asarray(weight, dtype=np.float64))
        self.node, self.scale = node, 2.0**node.weight_exp
        self.graded = node.num_message_bits > 0
        self.saturate = "saturation" not in sources

    def step(self, x: torch.Tensor) -> torch.Tensor:
        node = self.node
        x = x if self.graded else (x != 0).to(F64)
        if isinstance(node, FixedLinear):
            acc = F.linear(x, self.w)
        elif isinstance(node, FixedConv1d):
            acc = F.conv1d(x, self.w, None, node.stride, node.padding, node.dilation, node.groups)
        elif isinstance(node, FixedConv2d):
            acc = F.conv2d(x, self.w, None, node.stride, node.padding, node.dilation, node.groups)
        else:
            raise UnsupportedError(f"no ideal form for synapse kind {node.kind}")
        y = acc * self.scale
        if node.weight_exp < 0 and not self.exact_weights:
            y = torch.floor(y)  # an arithmetic right shift of the summed input
        return _wrap(y, node.accum_bits) if self.saturate else y


class NeuronKernel(Kernel):
    def __init__(self, node: FixedLIF, exact: ExactNeuron, sources: Collection[str], lag: int):
        self.node, self.sources = node, frozenset(sources)
        unity = float(1 << node.decay_bits)
        self.u_factor, self.v_factor, self.unity = unity - (node.du + 1), unity - node.dv, unity
        self.exact = exact
        # the register = the neuron's own bias + the correction add_bias_sources gave it for
        # the bias columns' rounding (which belongs with the columns: ``weights``)
        correction = np.broadcast_to(np.asarray(node.meta.get(BIAS_CORRECTION, 0.0), np.float64).reshape(
            node.shape if BIAS_CORRECTION in node.meta else ()), node.shape)
        own = exact.bias.reshape(node.shape) if "bias" in sources else node.effective_bias() - correction
        self.bias = torch.as_tensor(np.asarray(own, np.float64))
        self.bias_start = lag if "bias" in sources else 0
        self.correction = torch.as_tensor(np.zeros(node.shape) if "weights" in sources else correction.copy())
        if "threshold" in sources:
            self.vth, self.ge = exact.threshold, exact.comparator is Comparator.GE
        else:
            self.vth, self.ge = float(node.effective_threshold()), node.comparator is Comparator.GE

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.u = torch.zeros((batch, *self.node.shape), dtype=F64)
        self.v = torch.zeros_like(self.u)
        self.membrane = self.v
        self.t = 0

    def _decay(self, x: torch.Tensor, factor: float, keep: float) -> torch.Tensor:
        if "decays" in self.sources:
            return keep * x
        return torch.trunc(x * factor / self.unity)  # the chip's trunc0(x * factor / D)

    def step(self, a: torch.Tensor) -> torch.Tensor:
        node, saturate = self.node, "saturation" not in self.sources
        act = _wrap(_wrap(a, 32) * 2.0**node.act_shift, 32) if saturate else a * 2.0**node.act_shift
        u = self._decay(self.u, self.u_factor, self.exact.u_keep) + act
        if saturate:
            half = float(1 << (node.state_bits - 1))
            u = _wrap(u, 32)
            u = torch.where(u > half, u - 2 * half, torch.where(u <= -half, u + 2 * half, u))
        self.u = u
        v = self._decay(self.v, self.v_factor, self.exact.v_keep) + u
        v = v + self.correction
        if self.t >= self.bias_start:
            v = v + self.bias
        self.t += 1
        if saturate:
            vmax = float((1 << (node.state_bits - 1)) - 1)
            v = torch.clamp(v, -vmax, vmax)
        if node.reads_membrane:
            self.v = self.membrane = v
            return v
        s = v >= self.vth if self.ge else v > self.vth
        if node.reset is Reset.ZERO:
            v = torch.where(s, torch.zeros_like(v), v)
        elif node.reset is Reset.SUBTRACT:
            v = v - self.vth * s.to(F64)
        self.v = self.membrane = v
        if node.graded:
            raise UnsupportedError("graded spikes: the ideal emulator has no form for them")
        return s.to(F64)


class BoundaryKernel(Kernel):
    """An unrounded ``Quantize``: ``x · scale`` from its start step."""

    def __init__(self, node: Quantize):
        self.scale, self.start = torch.as_tensor(node.scale), node.start

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.t = 0

    def step(self, x: torch.Tensor) -> torch.Tensor:
        self.t += 1
        y = x * self.scale
        return y if self.t > self.start else torch.zeros_like(y)


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one thread while inside: the tensors of a step are small, and on a busy
    machine several threads per step cost far more than they share (measured: 35x)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_ideal(graph: Graph, exact: Mapping[str, Exact], sources: Collection[str],
              inputs: Mapping[str, np.ndarray] | np.ndarray, steps: int, record: list[str]) -> SimResult:
    """Run compiled ``graph`` for ``steps`` steps with the sources in ``sources`` exact
    (``exact``: :func:`~snncompile.budget.exact.exact_parameters` of the graph)."""
    data = normalize_inputs(graph, inputs)
    chip = {n for n, node in graph.items() if isinstance(node, (FixedLIF, FixedSynapse))
            or (isinstance(node, Quantize) and "boundary" in sources)}
    runner = StepRunner(graph, F64, skip=frozenset(chip))
    for name in chip:
        node = graph.nodes[name]
        runner.kernels[name] = _kernel(name, node, exact.get(name), sources)
    runner.reset(data.batch)
    arrays = {n: torch.as_tensor(np.asarray(x), dtype=F64) for n, x in data.arrays.items()}
    keep = list(dict.fromkeys([*graph.outputs, *record]))
    traces: dict[str, list[torch.Tensor]] = {n: [] for n in keep}
    for t in range(steps):
        feed = {n: (x[:, t] if t < data.length else torch.zeros_like(x[:, 0])) for n, x in arrays.items()}
        outs = runner.step(feed)
        for n in keep:
            traces[n].append(outs[n])

    def stack(name: str) -> np.ndarray:
        return torch.stack(traces[name], dim=1).numpy()

    return SimResult(outputs={n: stack(n) for n in graph.outputs}, recorded={n: stack(n) for n in record},
                     dt=graph.dt, backend="ideal")


def _kernel(name: str, node: Any, exact: Exact | None, sources: Collection[str]) -> Kernel:
    if isinstance(node, Quantize):
        return BoundaryKernel(node)
    if on_host(node):
        raise UnsupportedError("a host node has no ideal form")
    if isinstance(node, FixedLIF):
        if not isinstance(exact, ExactNeuron):
            raise UnsupportedError("a chip neuron without exact parameters")
        return NeuronKernel(node, exact, sources, int(node.meta.get(LAG, 0)))
    assert isinstance(exact, ExactSynapse) or exact is None
    return SynapseKernel(name, node, exact, sources)

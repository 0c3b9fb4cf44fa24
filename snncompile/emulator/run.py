"""The bit-exact, event-driven emulator of compiled graphs (backend ``emulator``).

Executes the step semantics of :mod:`snncompile.ir.graph` on integers: node outputs are
(batch, flat) int64 payload arrays, delayed edges read a history, synapses accumulate only
the rows of active inputs, neurons follow :class:`~snncompile.ir.fixed.FixedLIF`. With the
timing written into the fixed graph's edges (see :mod:`snncompile.ir.fixed`) this is what
Lava's ``fixed_pt`` models compute, and what the emulator is tested against.

A mixed graph (chip segments and host segments, see :mod:`snncompile.ir.placement`) runs
end to end: nodes placed on the host run their float64 reference kernels on float
payloads, chip nodes run exactly as above; a host value enters the chip only through a
``Quantize`` node (integer payloads), chip spikes enter host nodes as 0/1 floats.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile.emulator import kernels as K
from snncompile.emulator.cycles import CoreLayout, CycleModel
from snncompile.emulator.fused import run_fused
from snncompile.emulator.synapses import build_csr
from snncompile.ir import Graph, Input, Node, Shape
from snncompile.ir.arithmetic import (
    NEURON_ARITHMETIC,
    Accumulate,
    Overflow,
    StateRange,
    non_default,
)
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.host import Quantize
from snncompile.ir.placement import on_host
from snncompile.ir.stage import Stage, is_integer
from snncompile.simulate.backend import Backend, GraphKind, Record, RunInputs, register_backend
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.result import SimResult


@dataclass
class _Out:
    payload: np.ndarray  # (B, flat) int64; a saturating synapse's S of its map (see kernels.csr_saturate)
    active: np.ndarray | None  # flat indices b*N+i of nonzero payloads, when known
    lo: np.ndarray | None = None  # a saturating synapse's map: x -> clamp(x + payload, lo, hi)
    hi: np.ndarray | None = None


class _LIFKernel:
    def __init__(self, node: FixedLIF):
        self.node = node
        self.n = int(np.prod(node.shape))
        self.params = K.lif_params(node)
        self.bias = node.effective_bias().reshape(-1).astype(np.int64)
        self.saturating = node.current_overflow is Overflow.SATURATE

    def reset(self, batch: int) -> None:
        self.u = np.zeros((batch, self.n), np.int64)
        self.v = np.zeros((batch, self.n), np.int64)
        self.out = np.zeros((batch, self.n), np.int64)
        self.active = np.empty(batch * self.n, np.int64)
        self.left = np.zeros((batch, self.n), np.int64)

    def step(self, a: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> _Out:
        node = self.node
        count = K.lif_step(a, a if lo is None else lo, a if hi is None else hi, self.u, self.v, self.bias,
                           self.params, self.out, self.active, self.left)
        self.count = count
        # a graded spike whose payload is 0 carries nothing: let consumers find the
        # nonzero payloads themselves (the compiled loop does the same)
        active = None if node.graded else self.active[:count].copy()
        if node.reads_membrane:  # a membrane is not a spike count (counters)
            self.count = 0
        return _Out(self.out.copy(), active)


class _SynapseKernel:
    def __init__(self, node: FixedSynapse, in_shape: Shape, out_size: int):
        self.node = node
        self.csr = build_csr(node, in_shape, out_size)
        self.slots = self.csr.max_delay + 1
        # per-synapse delays and a negative exponent: each delay's sum is floored on its own
        # (Lava's DelayDense; FixedLinear's docstring), so it is collected apart first
        self.grouped = self.slots > 1 and node.weight_exp < 0
        self.graded = node.num_message_bits > 0
        self.saturating = node.accumulate is Accumulate.SATURATE
        self.bounds = StateRange.TWOS_COMPLEMENT.bounds(node.accum_bits)
        self.dst_core = np.zeros(out_size, np.int64)
        self.neurons_per_core = 0
        self.n_cores = 1

    def reset(self, batch: int) -> None:
        self.acc = np.zeros((self.slots, batch, self.csr.n_out), np.int64)
        self.groups = np.zeros_like(self.acc) if self.grouped else self.acc
        self.t = 0
        self.core_synops = np.zeros((batch, self.n_cores), np.int64)
        self.scratch = np.empty(batch * self.csr.n_in, np.int64)

    def step(self, x: _Out) -> _Out:
        if x.active is None:
            count = K.find_active(x.payload, self.scratch)
            active = self.scratch
        else:
            active, count = x.active, x.active.size
        self.events = count
        self.last_active = active[:count]
        if self.saturating:
            return self._saturate(x, active, count)
        slot = self.t % self.slots
        self.synops = K.csr_accumulate(
            active, count, x.payload, self.csr.n_in, self.graded, self.node.max_payload, self.csr.indptr,
            self.csr.indices, self.csr.weights, self.csr.delays, 0 if self.grouped else slot, self.slots, self.groups,
            self.dst_core, self.neurons_per_core, self.core_synops,
        )
        shift = self.node.weight_exp
        if self.grouped:  # group d (this step's delay-d sum) arrives in slot + d
            self.acc[(slot + np.arange(self.slots)) % self.slots] += self.groups >> -shift
            self.groups[:] = 0
            shift = 0
        out = np.empty(self.acc.shape[1:], np.int64)
        K.finish_synapse(self.acc[slot], shift, self.node.accum_bits, out)
        self.t += 1
        return _Out(out, None)

    def _saturate(self, x: _Out, active: np.ndarray, count: int) -> _Out:
        """The step's events as one saturating map per target (kernels.csr_saturate)."""
        lo, hi = self.bounds
        shape = self.acc.shape[1:]
        s, low, high = np.zeros(shape, np.int64), np.full(shape, lo, np.int64), np.full(shape, hi, np.int64)
        self.synops = K.csr_saturate(
            active, count, x.payload, self.csr.n_in, self.graded, self.node.max_payload, self.csr.indptr,
            self.csr.indices, self.csr.weights, self.node.weight_exp, lo, hi, s, low, high, self.dst_core,
            self.neurons_per_core, self.core_synops,
        )
        self.t += 1
        return _Out(s, None, low, high)


#: node kinds the compiled loop (:mod:`.fused`) executes; anything else runs step by step
FUSED_KINDS = ("Input", "Output", "Flatten", "Reshape", "Constant", "RandomSpikes", "FixedLIF", "FixedLinear", "FixedConv2d",
               "FixedConv1d")


def fusable(node: Node) -> bool:
    """True when the compiled loop runs ``node``: a kind it knows, with Lava's
    arithmetic (other arithmetic runs step by step, through :func:`kernels.lif_step`)."""
    if node.kind not in FUSED_KINDS:
        return False
    if isinstance(node, FixedLIF):
        return not non_default(node, NEURON_ARITHMETIC) and node.max_spikes == 1
    if isinstance(node, FixedSynapse):
        return node.accumulate is Accumulate.WRAP and node.max_payload == 0
    return True


class EmulatorBackend(Backend):
    name = "emulator"
    runs = GraphKind.COMPILED
    description = "bit-exact integer emulator of compiled graphs (numba, event-driven); host nodes in float64"

    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        if is_integer(node):
            return None
        if not on_host(node):
            return "not an integer node and not placed on the host: quantize the graph first (snncompile compile)"
        # torch: only graphs with host nodes
        from snncompile.simulate.kernels import KERNEL_BUILDERS

        if not any(cls in KERNEL_BUILDERS for cls in type(node).__mro__):
            return "a host node without a reference kernel"
        return None

    def unsupported(self, graph: Graph) -> dict[str, str]:
        bad = super().unsupported(graph)
        bad.update(saturation_problems(graph))
        for e in graph.edges:  # a float value may enter integer arithmetic only as payloads
            src, dst = graph.nodes[e.src], graph.nodes[e.dst]
            if type(dst).stage is Stage.INTEGER and on_host(src) and not isinstance(src, (Quantize, Input)):
                bad.setdefault(e.dst, f"receives float values from host node '{e.src}' ({src.kind}) without a "
                                      "Quantize boundary")
        return bad

    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, currents: Record = None, counters: bool = False, cores: Mapping | None = None,
                stepwise: bool = False, threads: int | None = None, **_: Any) -> SimResult:
        from snncompile.simulate.backend import resolve_record

        data = {n: _payloads(graph, n, x) for n, x in inputs.arrays.items()}
        neuron_names = [n for n, node in graph.items() if isinstance(node, FixedLIF)]
        v_names = [n for n in membranes if n in neuron_names]
        u_names = [n for n in resolve_record(graph, currents) if n in neuron_names]
        keep = list(dict.fromkeys([*graph.outputs, *record]))
        shapes = graph.infer_shapes()
        batch, length = inputs.batch, inputs.length
        if cores is None and not stepwise and all(fusable(node) for node in graph.nodes.values()):
            order = graph.step_order()
            traces, vtr, utr, counts = run_fused(graph, order, shapes, data, steps, length, keep, v_names,
                                                 u_names, progress, threads, inputs.first_sample)
            count_log = _fused_counters(graph, order, counts) if counters else {}
            cycles = None
        else:
            traces, vtr, utr, count_log, cycles = _run_stepwise(
                graph, data, steps, length, batch, keep, v_names, u_names, counters, cores, progress,
                inputs.first_sample)

        def shaped(series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {n: a.reshape(batch, steps, *shapes[n]) for n, a in series.items()}

        return SimResult(
            outputs=shaped({n: traces[n] for n in graph.outputs}),
            recorded=shaped({n: traces[n] for n in record}),
            membranes=shaped(vtr),
            currents=shaped(utr),
            dt=graph.dt,
            backend=self.name,
            counters=count_log,
            cycles=cycles,
        )


EMULATOR = register_backend(EmulatorBackend())


def saturation_problems(graph: Graph) -> dict[str, str]:
    """Saturating synapses and currents must meet each other: a neuron whose current
    saturates per event is fed only by ``accumulate="saturate"`` synapses of its state
    width, and such a synapse feeds only such neurons."""
    bad: dict[str, str] = {}
    for name, node in graph.items():
        if isinstance(node, FixedLIF) and node.current_overflow is Overflow.SATURATE:
            for e in graph.incoming(name):
                src = graph.nodes[e.src]
                if not (isinstance(src, FixedSynapse) and src.accumulate is Accumulate.SATURATE
                        and src.accum_bits == node.state_bits):
                    bad[name] = (f"its current saturates per event, but '{e.src}' ({src.kind}) is not a saturating "
                                 f"synapse of {node.state_bits} bits")
        elif isinstance(node, FixedSynapse) and node.accumulate is Accumulate.SATURATE:
            for e in graph.outgoing(name):
                dst = graph.nodes[e.dst]
                if not (isinstance(dst, FixedLIF) and dst.current_overflow is Overflow.SATURATE):
                    bad[name] = (f"a saturating synapse feeds '{e.dst}' ({dst.kind}), which is not a neuron "
                                 "with a saturating current")
    return bad


def emulate(
    graph: Graph,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    record: Record = None,
    membranes: Record = None,
    progress: bool = False,
    currents: Record = None,
    counters: bool = False,
    cores: Mapping | None = None,
    stepwise: bool = False,
    threads: int | None = None,
    first_sample: int = 0,
    **_ignored: Any,
) -> SimResult:
    """Run a compiled graph on ``inputs`` (one (batch, time, *shape) array per Input; a
    bare array for single-input graphs): integer payloads for inputs that feed the chip.
    ``record``/``membranes``/``currents`` name what to keep per step (spikes or payloads /
    ``v`` / ``u``); ``counters`` keeps per-node activity counts; ``cores`` (a core
    description, see :class:`CycleModel`) adds the cycle model. ``threads``: how many
    threads share the batch (default: every core this process may use, see
    :func:`snncompile.emulator.fused.default_threads`). ``first_sample``: the data-set
    index of the batch's first row (see :class:`~snncompile.simulate.backend.RunInputs`).
    Recorded spike trains are int8."""
    return EMULATOR.run(graph, inputs, steps=steps, record=record, membranes=membranes, progress=progress,
                        first_sample=first_sample, currents=currents, counters=counters, cores=cores,
                        stepwise=stepwise, threads=threads)


#: input dtypes the emulator reads as they are (no copy): they hold int32 payloads
_NARROW_INPUTS = frozenset("?bBhHi")


def _payloads(graph: Graph, name: str, array: np.ndarray) -> np.ndarray:
    """Input ``name`` as (batch, time, flat) payloads: integers when it feeds integer nodes
    (Lava's RingBuffer sends int32; :func:`~snncompile.simulate.backend.normalize_inputs`
    checked they are integers that fit), float64 when only host nodes read it. Spikes
    stored as bool or int8 (and any integer type up to 32 bits) are used as they are,
    without a copy; other types are converted once, to int8 when every value fits."""
    flat = array.reshape(array.shape[0], array.shape[1], -1)
    if all(on_host(graph.nodes[e.dst]) for e in graph.outgoing(name)):
        return np.ascontiguousarray(flat, dtype=np.float64)
    if array.dtype.char in _NARROW_INPUTS:
        return np.ascontiguousarray(flat)
    lo, hi = (int(array.min()), int(array.max())) if array.size else (0, 0)
    return np.ascontiguousarray(flat, dtype=np.int8 if -128 <= lo and hi <= 127 else np.int32)


def _fused_counters(graph: Graph, order: list[str], counts: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for i, name in enumerate(order):
        node = graph.nodes[name]
        if isinstance(node, FixedLIF):
            out[name] = {"updates": counts[:, i, 0].copy(), "spikes": counts[:, i, 1].copy()}
        elif isinstance(node, FixedSynapse):
            out[name] = {"events": counts[:, i, 0].copy(), "synops": counts[:, i, 1].copy()}
    return out


def _run_stepwise(graph, data, steps, length, batch, keep, v_names, u_names, counters, cores, progress,
                  first_sample=0):
    """Step-by-step in Python (per-node numba kernels; host nodes through their float64
    reference kernels): needed for the cycle model, which looks at every core after every
    step, and for mixed graphs."""
    runner = _Runner(graph, cores)
    runner.reset(batch, first_sample)

    def buffer(n: str, dtype=np.int32) -> np.ndarray:
        return np.zeros((batch, steps, runner.sizes[n]), np.float64 if n in runner.floats else dtype)

    traces = {n: buffer(n) for n in keep}
    vtr = {n: buffer(n) for n in v_names}
    utr = {n: buffer(n) for n in u_names}
    count_log: dict[str, dict[str, list[int]]] = {n: {} for n in runner.kernels} if counters else {}
    for t in steps_with_progress(steps, progress, "emulator"):
        feed = {n: (x[:, t] if t < length else np.zeros_like(x[:, 0])) for n, x in data.items()}
        feed = {n: x if x.dtype == np.float64 else x.astype(np.int64) for n, x in feed.items()}
        outs = runner.step(feed)
        for n in keep:
            traces[n][:, t] = outs[n].payload
        for n in v_names:
            vtr[n][:, t] = runner.kernels[n].v  # type: ignore[attr-defined]
        for n in u_names:
            utr[n][:, t] = runner.kernels[n].u  # type: ignore[attr-defined]
        if counters:
            runner.log_counts(count_log, batch)
    counts = {n: {k: np.asarray(v, np.int64) for k, v in c.items()} for n, c in count_log.items()}
    cycles = runner.cycle_model.report() if runner.cycle_model else None
    return traces, vtr, utr, counts, cycles


class _HostKernel:
    """A host node's float64 reference kernel on (batch, flat) float payloads (torch is
    imported here, so a pure integer graph runs without it)."""

    def __init__(self, graph: Graph, name: str, shapes: dict[str, Shape]):
        import torch

        from snncompile.simulate.kernels import build_kernel

        node = graph.nodes[name]
        self.ports = node.ports
        self.source = node.source
        self.in_shapes = graph.operand_shapes(name, shapes) if not node.source else {}
        self.kernel = build_kernel(node, self.in_shapes, torch.float64)

    def reset(self, batch: int, first_sample: int) -> None:
        self.kernel.reset(batch, first_sample)

    def step(self, operands: dict[str, np.ndarray], batch: int) -> np.ndarray:
        import torch

        def tensor(port: str) -> torch.Tensor:
            x = operands[port].astype(np.float64, copy=False)
            return torch.from_numpy(x.reshape(batch, *self.in_shapes[port]))

        if self.source:
            y = self.kernel.step(None)
        elif self.ports:
            y = self.kernel.step({p: tensor(p) for p in self.ports})
        else:
            y = self.kernel.step(tensor(""))
        return y.reshape(batch, -1).numpy()


class _Runner:
    def __init__(self, graph: Graph, cores: Mapping | None):
        self.graph = graph
        self.order = graph.step_order()
        self.shapes = graph.infer_shapes()
        self.sizes = {n: int(np.prod(s)) for n, s in self.shapes.items()}
        self.operands = {n: graph.operands(n) for n in graph.nodes}
        self.kernels: dict[str, object] = {}
        self.host: dict[str, _HostKernel] = {}
        for name, node in graph.items():
            if isinstance(node, FixedLIF):
                self.kernels[name] = _LIFKernel(node)
            elif isinstance(node, FixedSynapse):
                in_shape = graph.input_shape(name, self.shapes)
                self.kernels[name] = _SynapseKernel(node, in_shape, self.sizes[name])
            elif not isinstance(node, Input) and (on_host(node) or node.source):
                self.host[name] = _HostKernel(graph, name, self.shapes)
        self.floats = _float_valued(graph, self.order)
        self.max_delay: dict[str, int] = {}
        for e in graph.edges:
            if e.delay > 0:
                self.max_delay[e.src] = max(self.max_delay.get(e.src, 0), e.delay)
        self.cycle_model = None
        if cores is not None:
            layout = CoreLayout.build(graph, self.sizes, int(cores.get("neurons_per_core", 1024)))
            for name, kernel in self.kernels.items():
                if isinstance(kernel, _SynapseKernel):
                    kernel.dst_core, kernel.n_cores = layout.synapse_cores(name)
                    kernel.neurons_per_core = layout.neurons_per_core
            self.cycle_model = CycleModel(dict(cores), layout, self)

    def reset(self, batch: int, first_sample: int = 0) -> None:
        """Start a run of ``batch`` samples, row ``k`` being sample ``first_sample + k``."""
        self.batch = batch
        for k in self.kernels.values():
            k.reset(batch)  # type: ignore[attr-defined]
        for h in self.host.values():
            h.reset(batch, first_sample)
        self.history: dict[str, deque[_Out]] = {n: deque(maxlen=d) for n, d in self.max_delay.items()}
        if self.cycle_model:
            self.cycle_model.reset(batch)

    def _edge(self, src: str, delay: int, outs: dict[str, _Out]) -> _Out:
        if delay == 0:
            return outs[src]
        past = self.history[src]
        if len(past) >= delay:
            return past[-delay]
        dtype = np.float64 if src in self.floats else np.int64
        return _Out(np.zeros((self.batch, self.sizes[src]), dtype), np.zeros(0, np.int64))

    def _sum(self, edges: list, outs: dict[str, _Out]) -> _Out:
        x = self._edge(edges[0].src, edges[0].delay, outs)
        if len(edges) == 1:
            return x
        total = x.payload.copy()
        for e in edges[1:]:
            other = self._edge(e.src, e.delay, outs).payload
            total = total + other if total.dtype != other.dtype else _add_into(total, other)
        return _Out(total, None)

    def _compose(self, edges: list, outs: dict[str, _Out], node: FixedLIF) -> tuple[np.ndarray, ...]:
        """The incoming saturating maps composed in edge order (the identity before a
        delayed edge has a value)."""
        lo, hi = node.state_bounds()
        shape = (self.batch, self.sizes[edges[0].dst]) if edges else (self.batch, 0)
        s, low, high = np.zeros(shape, np.int64), np.full(shape, lo, np.int64), np.full(shape, hi, np.int64)
        for e in edges:
            x = self._edge(e.src, e.delay, outs)
            if x.lo is not None and x.hi is not None:
                K.compose_maps(s, low, high, x.payload, x.lo, x.hi)
        return s, low, high

    def step(self, feed: dict[str, np.ndarray]) -> dict[str, _Out]:
        outs: dict[str, _Out] = {}
        for name in self.order:
            if name in feed:
                outs[name] = _Out(feed[name], None)
                continue
            if name in self.host:
                operands = {p: self._sum(edges, outs).payload for p, edges in self.operands[name].items() if edges}
                outs[name] = _Out(self.host[name].step(operands, self.batch), None)
                continue
            kernel = self.kernels.get(name)
            if isinstance(kernel, _LIFKernel) and kernel.saturating:
                outs[name] = kernel.step(*self._compose(self.operands[name][""], outs, kernel.node))
                continue
            x = self._sum(self.operands[name][""], outs)
            if x.payload.dtype == np.float64 and name not in self.floats:
                x = _Out(x.payload.astype(np.int64), None)  # integer payloads from a Quantize boundary
            if kernel is None:  # Flatten, Output: the flat payload is unchanged
                outs[name] = x
            elif isinstance(kernel, _LIFKernel):
                outs[name] = kernel.step(x.payload if x.payload.flags.writeable else x.payload.copy())
            else:
                outs[name] = kernel.step(x)  # type: ignore[attr-defined]
        for src, past in self.history.items():
            past.append(outs[src])
        if self.cycle_model:
            self.cycle_model.step()
        return outs

    def log_counts(self, log: dict[str, dict[str, list[int]]], batch: int) -> None:
        for name, kernel in self.kernels.items():
            entry = log[name]
            if isinstance(kernel, _LIFKernel):
                entry.setdefault("updates", []).append(kernel.n * batch)
                entry.setdefault("spikes", []).append(kernel.count)
            else:
                entry.setdefault("events", []).append(kernel.events)  # type: ignore[attr-defined]
                entry.setdefault("synops", []).append(kernel.synops)  # type: ignore[attr-defined]


def _add_into(total: np.ndarray, other: np.ndarray) -> np.ndarray:
    total += other
    return total


def _float_valued(graph: Graph, order: list[str]) -> set[str]:
    """Nodes whose payloads are floats: host nodes except ``Quantize`` (whose values are
    integers headed for the chip), and data movement fed by float values."""
    floats: set[str] = set()
    for name in order:
        node = graph.nodes[name]
        if isinstance(node, Quantize) or type(node).stage is Stage.INTEGER:
            continue
        if type(node).stage is not Stage.ANY:
            if on_host(node):
                floats.add(name)
        elif (node.source and on_host(node)) or any(e.src in floats for e in graph.incoming(name)):
            floats.add(name)
        elif isinstance(node, Input) and all(on_host(graph.nodes[e.dst]) for e in graph.outgoing(name)):
            floats.add(name)
    return floats

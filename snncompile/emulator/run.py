"""The bit-exact, event-driven emulator of fixed graphs.

Executes the step semantics of :mod:`snncompile.ir.graph` on integers: node outputs are
(batch, flat) int64 payload arrays, delayed edges read a history, synapses accumulate only
the rows of active inputs, neurons follow :class:`~snncompile.ir.fixed.FixedLIF`. With the
timing written into the fixed graph's edges (see :mod:`snncompile.ir.fixed`) this is what
Lava's ``fixed_pt`` models compute, and what the emulator is tested against.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from snncompile.emulator import kernels as K
from snncompile.emulator.cycles import CoreLayout, CycleModel
from snncompile.emulator.fused import run_fused
from snncompile.emulator.synapses import build_csr
from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import Flatten, Graph, Input, Output, Shape
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.semantics import Comparator, Reset
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.reference import Record, check_inputs, resolve_record
from snncompile.simulate.result import SimResult

_RESET_CODE = {Reset.ZERO: 0, Reset.SUBTRACT: 1, Reset.NONE: 2}


@dataclass
class EmulatorResult(SimResult):
    """SimResult plus the integer state and the activity counters.

    - ``currents``: FixedLIF name -> ``u`` after each step (batch, time, *shape)
    - ``counters``: node name -> {counter: (time,) int64, summed over the batch}; synapses
      count ``events`` (active inputs) and ``synops``; neurons ``updates`` and ``spikes``
    - ``cycles``: the cycle model's report (see :mod:`snncompile.emulator.cycles`), when a
      core description was given
    """

    currents: dict[str, np.ndarray] = field(default_factory=dict)
    counters: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    cycles: dict | None = None


@dataclass
class _Out:
    payload: np.ndarray  # (B, flat) int64
    active: np.ndarray | None  # flat indices b*N+i of nonzero payloads, when known


class _LIFKernel:
    def __init__(self, node: FixedLIF):
        self.node = node
        self.n = int(np.prod(node.shape))
        unity = 1 << node.decay_bits
        self.u_factor = unity - (node.du + 1)
        self.v_factor = unity - node.dv
        self.bias = node.effective_bias().reshape(-1).astype(np.int64)
        self.vth = node.effective_threshold()

    def reset(self, batch: int) -> None:
        self.u = np.zeros((batch, self.n), np.int64)
        self.v = np.zeros((batch, self.n), np.int64)
        self.out = np.zeros((batch, self.n), np.int64)
        self.active = np.empty(batch * self.n, np.int64)

    def step(self, a: np.ndarray) -> _Out:
        node = self.node
        count = K.lif_step(
            a, self.u, self.v, self.bias, self.u_factor, self.v_factor, self.vth,
            _RESET_CODE[node.reset], node.comparator is Comparator.GE, K.payload_code(node),
            node.vth_shift, node.act_shift, node.decay_bits, node.state_bits, self.out, self.active,
        )
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
        self.graded = node.num_message_bits > 0
        self.dst_core = np.zeros(out_size, np.int64)
        self.neurons_per_core = 0
        self.n_cores = 1

    def reset(self, batch: int) -> None:
        self.acc = np.zeros((self.slots, batch, self.csr.n_out), np.int64)
        self.t = 0
        self.core_synops = np.zeros((batch, self.n_cores), np.int64)
        self.scratch = np.empty(batch * self.csr.n_in, np.int64)

    def step(self, x: _Out) -> _Out:
        if x.active is None:
            count = K.find_active(x.payload, self.scratch)
            active = self.scratch
        else:
            active, count = x.active, x.active.size
        slot = self.t % self.slots
        self.events = count
        self.synops = K.csr_accumulate(
            active, count, x.payload, self.csr.n_in, self.graded, self.csr.indptr, self.csr.indices,
            self.csr.weights, self.csr.delays, slot, self.slots, self.acc, self.dst_core,
            self.neurons_per_core, self.core_synops,
        )
        self.last_active = active[:count]
        out = np.empty(self.acc.shape[1:], np.int64)
        K.finish_synapse(self.acc[slot], self.node.weight_exp, self.node.accum_bits, out)
        self.t += 1
        return _Out(out, None)


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
    **_ignored,
) -> EmulatorResult:
    """Run a fixed graph on integer ``inputs`` (one (batch, time, *shape) array per Input;
    a bare array for single-input graphs). ``record``/``membranes``/``currents`` name what to
    keep per step (spikes or payloads / ``v`` / ``u``); ``counters`` keeps per-node activity
    counts; ``cores`` (a core description, see :class:`CycleModel`) adds the cycle model."""
    graph.validate()
    _check_supported(graph)
    if not isinstance(inputs, Mapping):
        if len(graph.inputs) != 1:
            raise InputError(f"graph has inputs {graph.inputs}: pass a dict of arrays")
        inputs = {graph.inputs[0]: np.asarray(inputs)}
    length = check_inputs(graph, inputs)
    data = {}
    for name in graph.inputs:
        arr = np.asarray(inputs[name])
        if arr.dtype.kind not in "biuf":
            raise InputError(f"input '{name}': expected numbers, found dtype {arr.dtype}")
        if arr.dtype.kind == "f" and np.any(arr != np.round(arr)):
            raise InputError(f"input '{name}': the emulator takes integer payloads (spikes 0/1 or graded ints)")
        if arr.size and (arr.min() < -(2**31) or arr.max() >= 2**31):
            raise InputError(f"input '{name}': payloads must fit in int32 (Lava's RingBuffer), found "
                             f"[{arr.min()}, {arr.max()}]")
        # int32, as Lava's RingBuffer sends; results come back as int32 too (24-bit state,
        # 32-bit payloads), a quarter of the memory traffic of int64 for big batches
        data[name] = np.ascontiguousarray(arr, dtype=np.int32).reshape(arr.shape[0], arr.shape[1], -1)
    steps = length if steps is None else int(steps)
    batch = next(iter(data.values())).shape[0]
    names = resolve_record(graph, record)
    neuron_names = [n for n, node in graph.items() if isinstance(node, FixedLIF)]
    v_names = [n for n in resolve_record(graph, membranes) if n in neuron_names]
    u_names = [n for n in resolve_record(graph, currents) if n in neuron_names]
    keep = list(dict.fromkeys([*graph.outputs, *names]))
    shapes = graph.infer_shapes()
    if cores is None and not stepwise:
        order = graph.step_order()
        traces, vtr, utr, counts = run_fused(graph, order, shapes, data, steps, length, keep, v_names, u_names,
                                             progress)
        count_log = _fused_counters(graph, order, counts) if counters else {}
        cycles = None
    else:
        traces, vtr, utr, count_log, cycles = _run_stepwise(
            graph, data, steps, length, batch, keep, v_names, u_names, counters, cores, progress)

    def shaped(series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {n: a.reshape(batch, steps, *shapes[n]) for n, a in series.items()}

    return EmulatorResult(
        outputs=shaped({n: traces[n] for n in graph.outputs}),
        recorded=shaped({n: traces[n] for n in names}),
        membranes=shaped(vtr),
        currents=shaped(utr),
        dt=graph.dt,
        backend="emulator",
        counters=count_log,
        cycles=cycles,
    )


def _fused_counters(graph: Graph, order: list[str], counts: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for i, name in enumerate(order):
        node = graph.nodes[name]
        if isinstance(node, FixedLIF):
            out[name] = {"updates": counts[:, i, 0].copy(), "spikes": counts[:, i, 1].copy()}
        elif isinstance(node, FixedSynapse):
            out[name] = {"events": counts[:, i, 0].copy(), "synops": counts[:, i, 1].copy()}
    return out


def _run_stepwise(graph, data, steps, length, batch, keep, v_names, u_names, counters, cores, progress):
    """Step-by-step in Python (per-node numba kernels): needed for the cycle model, which
    looks at every core after every step."""
    runner = _Runner(graph, cores)
    runner.reset(batch)
    traces = {n: np.zeros((batch, steps, runner.sizes[n]), np.int32) for n in keep}
    vtr = {n: np.zeros((batch, steps, runner.sizes[n]), np.int32) for n in v_names}
    utr = {n: np.zeros((batch, steps, runner.sizes[n]), np.int32) for n in u_names}
    count_log: dict[str, dict[str, list[int]]] = {n: {} for n in runner.kernels} if counters else {}
    for t in steps_with_progress(steps, progress, "emulator"):
        feed = {n: (x[:, t] if t < length else np.zeros_like(x[:, 0])).astype(np.int64) for n, x in data.items()}
        outs = runner.step(feed)
        for n in keep:
            traces[n][:, t] = outs[n].payload
        for n in v_names:
            vtr[n][:, t] = runner.kernels[n].v
        for n in u_names:
            utr[n][:, t] = runner.kernels[n].u
        if counters:
            runner.log_counts(count_log, batch)
    counts = {n: {k: np.asarray(v, np.int64) for k, v in c.items()} for n, c in count_log.items()}
    cycles = runner.cycle_model.report() if runner.cycle_model else None
    return traces, vtr, utr, counts, cycles


def _check_supported(graph: Graph) -> None:
    allowed = (FixedLIF, FixedSynapse, Input, Output, Flatten)
    bad = [f"'{n}' ({node.kind})" for n, node in graph.items() if not isinstance(node, allowed)]
    if bad:
        raise UnsupportedError(
            f"the emulator runs fixed (integer) graphs; these nodes are not integer nodes: {', '.join(bad)} "
            "(quantize the graph first)"
        )


class _Runner:
    def __init__(self, graph: Graph, cores: Mapping | None):
        self.graph = graph
        self.order = graph.step_order()
        self.shapes = graph.infer_shapes()
        self.sizes = {n: int(np.prod(s)) for n, s in self.shapes.items()}
        self.incoming = {n: graph.incoming(n) for n in graph.nodes}
        self.kernels: dict[str, object] = {}
        for name, node in graph.items():
            if isinstance(node, FixedLIF):
                self.kernels[name] = _LIFKernel(node)
            elif isinstance(node, FixedSynapse):
                in_shape = graph.input_shape(name, self.shapes)
                self.kernels[name] = _SynapseKernel(node, in_shape, self.sizes[name])
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

    def reset(self, batch: int) -> None:
        self.batch = batch
        for k in self.kernels.values():
            k.reset(batch)  # type: ignore[attr-defined]
        self.history: dict[str, deque[_Out]] = {n: deque(maxlen=d) for n, d in self.max_delay.items()}
        if self.cycle_model:
            self.cycle_model.reset(batch)

    def _edge(self, src: str, delay: int, outs: dict[str, _Out]) -> _Out:
        if delay == 0:
            return outs[src]
        past = self.history[src]
        if len(past) >= delay:
            return past[-delay]
        return _Out(np.zeros((self.batch, self.sizes[src]), np.int64), np.zeros(0, np.int64))

    def step(self, feed: dict[str, np.ndarray]) -> dict[str, _Out]:
        outs: dict[str, _Out] = {}
        for name in self.order:
            if name in feed:
                outs[name] = _Out(feed[name], None)
                continue
            edges = self.incoming[name]
            x = self._edge(edges[0].src, edges[0].delay, outs)
            if len(edges) > 1:
                total = x.payload.copy()
                for e in edges[1:]:
                    total += self._edge(e.src, e.delay, outs).payload
                x = _Out(total, None)
            kernel = self.kernels.get(name)
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

"""Run a compiled graph on Lava's CPU models (``Loihi2SimCfg(select_tag="fixed_pt")``);
backend ``lava``.

Lava runs one sample at a time; each sample builds, compiles and runs the network once
(about 0.25 s start-up plus ~0.1 ms per process per step here) and reads results through
one sink per recorded population (``Var.get`` moves data element by element, so sinks
are read once at the end). Timing: whatever the fixed graph's edges state (every Lava
synapse adds ``LATENCY`` = 1 step); the result is step-aligned with the emulator.

A mixed graph (chip and host segments) runs each chip segment on Lava with the values
its host inputs took replayed into it: the emulator runs the whole graph once (host
nodes in float64), its host values become the inputs of each chip segment, and the
result holds Lava's values for chip nodes and the emulator's for host nodes. A plain
float graph runs on Lava's ``floating_pt`` models (see :mod:`.floating`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from snncompile.backends.lava.compat import ensure_lava
from snncompile.backends.lava.floating import NEURONS, SYNAPSES, build_float_processes, check_float
from snncompile.backends.lava.lower import (
    FLAT_VIEWS,
    READOUT_VTH,
    SPARSE_DENSITY,
    consumer_shape,
    conv2d_form,
    conv_weight,
    dense_matrix,
    from_lava_layout,
    lava_shape,
    lava_sign_mode,
    plan_lowering,
    to_lava_layout,
)
from snncompile.errors import UnsupportedError
from snncompile.ir import Constant, Graph, Input, Node, Output, RandomSpikes
from snncompile.ir.fixed import SYNAPSE_LATENCY, FixedConv2d, FixedLIF, FixedLinear, FixedSynapse
from snncompile.ir.placement import chip_segments, crossings, extract, on_host
from snncompile.ir.stage import is_float_graph, is_integer, is_integer_graph
from snncompile.isolate import ChildFailed, call_isolated
from snncompile.limits import LAVA_TIMEOUT
from snncompile.simulate.backend import (
    Backend,
    BackendFailed,
    GraphKind,
    Record,
    RunInputs,
    padded_steps,
    register_backend,
)
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.result import SimResult

#: Steps every Lava synapse process adds between a spike and its effect.
LATENCY = SYNAPSE_LATENCY


class LavaFailed(BackendFailed):
    """A Lava run that hung (stopped after its time limit) or crashed."""


#: ``timeout`` when the caller gives none: :data:`snncompile.limits.LAVA_TIMEOUT`
DEFAULT_TIMEOUT = "default"


class LavaBackend(Backend):
    name = "lava"
    runs = GraphKind.COMPILED
    description = "Intel Lava's bit-accurate CPU models (fixed_pt; floating_pt for float graphs), sample by sample"

    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        if is_integer(node) or on_host(node) or is_float_graph(graph):
            return None  # the whole-graph checks below say what Lava cannot express
        return "a float node not placed on the host: quantize the graph first (snncompile compile)"

    def check(self, graph: Graph) -> None:
        super().check(graph)
        if is_float_graph(graph):
            check_float(graph)
        else:
            for names in chip_segments(graph).values():
                plan_lowering(extract(graph, names)[0])

    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, currents: Record = None, sparse: bool | None = None,
                timeout: float | str | None = DEFAULT_TIMEOUT, **_: Any) -> SimResult:
        """Run in a child process (:func:`snncompile.isolate.call_isolated`), stopped after
        ``timeout`` seconds (default :data:`snncompile.limits.LAVA_TIMEOUT`; None: no
        limit): a hung or crashed Lava run is a :class:`LavaFailed`, never a hang here."""
        from snncompile.simulate.backend import resolve_record

        u_names = resolve_record(graph, currents)
        run = _run_whole if is_integer_graph(graph) or is_float_graph(graph) else _run_segments
        limit = LAVA_TIMEOUT.value() if timeout == DEFAULT_TIMEOUT else timeout
        _preload_lava()  # imported here, once, so every child starts with Lava loaded

        def work() -> tuple[dict[str, Any], dict[str, np.ndarray]]:
            return _pack(run(graph, inputs, steps, record, membranes, u_names, progress, sparse))

        try:
            meta, arrays = call_isolated(work, None if limit is None else float(limit), "the Lava run")
        except ChildFailed as exc:
            hint = f" ({LAVA_TIMEOUT.variable} sets the limit)" if exc.reason == "timeout" else ""
            raise LavaFailed(f"{exc}{hint}", exc.reason) from None
        return _unpack(meta, arrays)


LAVA = register_backend(LavaBackend())


def run_lava(
    graph: Graph,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    record: Record = None,
    membranes: Record = None,
    progress: bool = False,
    currents: Record = None,
    sparse: bool | None = None,
    timeout: float | str | None = DEFAULT_TIMEOUT,
    first_sample: int = 0,
    **_ignored: Any,
) -> SimResult:
    """Run a graph in Lava, sample by sample; same arguments and result layout as
    :func:`snncompile.emulator.emulate` (no counters). A fixed graph runs on ``fixed_pt``
    (step-aligned with the emulator); a float graph on ``floating_pt`` (see
    :mod:`.floating`: each zero-delay synapse stage adds ``LATENCY`` steps); a mixed graph
    segment by segment (see module docstring). ``sparse`` forces Sparse (True) or Dense
    (False) synapse processes; None picks by density. The run happens in a child process
    stopped after ``timeout`` seconds (see :meth:`LavaBackend.execute`). ``first_sample``:
    the data-set index of the batch's first row (the seeded sources' sample index, see
    :class:`~snncompile.simulate.backend.RunInputs`)."""
    return LAVA.run(graph, inputs, steps=steps, record=record, membranes=membranes, progress=progress,
                    first_sample=first_sample, currents=currents, sparse=sparse, timeout=timeout)


#: what a Lava run imports on its first run (its compiler, runtime and the process models
#: snncompile uses): about 3 s that a forked child would otherwise pay on every run
LAVA_MODULES = ("lava.magma.compiler.compiler", "lava.magma.runtime.runtime", "lava.magma.core.run_configs",
                "lava.proc.lif.models", "lava.proc.dense.models", "lava.proc.sparse.models", "lava.proc.conv.models",
                "lava.proc.io.source", "lava.proc.io.sink")
_warm = False


def _preload_lava() -> None:
    """Import Lava and run one tiny fixed network here, once per process: what Lava loads
    and caches on a first run then comes with every forked child (measured in
    docs/robustness.md: a forked run otherwise pays about half a second more)."""
    global _warm
    ensure_lava()
    for name in LAVA_MODULES:
        importlib.import_module(name)
    if not _warm:
        from snncompile.ir.fixed import FixedGraphBuilder

        b = FixedGraphBuilder((1,))
        b.linear(np.ones((1, 1), np.int64))
        b.lif(vth=1)
        b.output()
        _run_whole(b.graph, RunInputs({"input": np.ones((1, 2, 1), np.int64)}, 2, 1), 2, [], [], [], False, None)
        _warm = True


#: the SimResult fields a Lava run fills (what travels back from the child)
_SERIES = ("outputs", "recorded", "membranes", "currents")


def _pack(result: SimResult) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A SimResult as JSON plus arrays (named by position: node names may hold any
    character)."""
    index = [(group, name) for group in _SERIES for name in getattr(result, group)]
    arrays = {f"a{i}": getattr(result, group)[name] for i, (group, name) in enumerate(index)}
    return {"index": index, "dt": result.dt, "backend": result.backend, "latency": result.latency}, arrays


def _unpack(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> SimResult:
    series: dict[str, dict[str, np.ndarray]] = {group: {} for group in _SERIES}
    for i, (group, name) in enumerate(meta["index"]):
        series[group][name] = arrays[f"a{i}"]
    return SimResult(outputs=series["outputs"], recorded=series["recorded"], membranes=series["membranes"],
                     currents=series["currents"], dt=meta["dt"], backend=meta["backend"], latency=meta["latency"])


def _run_whole(graph: Graph, inputs: RunInputs, steps: int, names: list[str], v_wanted: list[str],
               u_wanted: list[str], progress: bool, sparse: bool | None) -> SimResult:
    fixed = is_integer_graph(graph)
    plan = plan_lowering(graph) if fixed else None
    ensure_lava()
    shapes = graph.infer_shapes()
    lifs = [n for n, node in graph.items() if isinstance(node, (FixedLIF, *NEURONS))]
    synapses = [n for n in names if isinstance(graph.nodes[n], (FixedLinear, FixedConv2d, *SYNAPSES))]
    if synapses:
        raise UnsupportedError(
            f"the Lava backend records neurons and outputs, not synapse nodes {synapses} "
            "(a Lava synapse's port carries next step's input)"
        )
    v_names = [n for n in v_wanted if n in lifs]
    readouts = [n for n, node in graph.items() if isinstance(node, FixedLIF) and node.reads_membrane]
    u_names = [n for n in u_wanted if n in lifs]
    results: list[dict[str, dict[str, np.ndarray]]] = []
    for b in steps_with_progress(inputs.batch, progress, "lava (samples)"):
        sample = {}
        for n in graph.inputs:
            x = np.asarray(inputs.arrays[n])[b]
            pad = np.zeros((steps, *x.shape[1:]), np.int64 if fixed else np.float64)
            pad[: min(steps, inputs.length)] = x[:steps]
            sample[n] = pad
        index = np.array([inputs.first_sample + b])  # row b is this sample of the data set
        for n, node in graph.items():  # the seeded stream of that sample, replayed
            if isinstance(node, RandomSpikes):
                sample[n] = np.stack([node.spikes(index, t)[0] for t in range(steps)]).reshape(steps, *node.shape)
        if fixed:
            procs, out_port = _build_fixed(graph, plan, shapes, sample, sparse)
        else:
            procs, out_port = build_float_processes(graph, shapes, sample, steps)
        results.append(_execute(graph, procs, out_port, shapes, steps, names, v_names, u_names, fixed, readouts))

    def stack(kind: str, keys) -> dict[str, np.ndarray]:
        return {n: np.stack([r[kind][n] for r in results]) for n in keys}

    return SimResult(
        outputs=stack("spikes", graph.outputs),
        recorded=stack("spikes", names),
        membranes=stack("v", v_names),
        currents=stack("u", u_names),
        dt=graph.dt,
        backend="lava" if fixed else "lava-float",
        # a fixed graph states Lava's timing in its edges; a float graph gets one step per
        # zero-delay synapse stage on top of its own semantics
        latency=0 if fixed else LATENCY,
    )


def _run_segments(graph: Graph, inputs: RunInputs, steps: int, names: list[str], v_wanted: list[str],
                  u_wanted: list[str], progress: bool, sparse: bool | None) -> SimResult:
    """Each chip segment on Lava with its host inputs replayed from an emulator run."""
    from snncompile.emulator import EMULATOR

    boundary = sorted({e.src for e in crossings(graph) if not on_host(graph.nodes[e.dst])})
    emulated = EMULATOR.execute(graph, inputs, steps, list(dict.fromkeys([*names, *boundary])), [], progress)
    result = SimResult(outputs={}, recorded={}, dt=graph.dt, backend="lava")
    for segment in chip_segments(graph).values():
        sub, fed = extract(graph, segment)
        arrays = {n: padded_steps(inputs.arrays[n], steps) for n in sub.inputs if n in inputs.arrays}
        arrays.update({n: emulated.recorded[n] for n in fed})
        data = RunInputs(arrays, steps, inputs.batch, inputs.first_sample)
        mine = [n for n in segment if not isinstance(graph.nodes[n], (*FLAT_VIEWS, Output, Constant))]
        part = _run_whole(sub, data, steps, [n for n in names if n in mine], [n for n in v_wanted if n in mine],
                          [n for n in u_wanted if n in mine], progress, sparse)
        result.recorded.update(part.recorded)
        result.outputs.update({o: a for o, a in part.outputs.items() if o in graph.outputs})
        result.membranes.update(part.membranes)
        result.currents.update(part.currents)
    for n in names:  # host nodes: the emulator's float64 values
        result.recorded.setdefault(n, emulated.recorded[n])
    for o in graph.outputs:
        result.outputs.setdefault(o, emulated.outputs[o])
    return result


def _build_fixed(graph, plan, shapes, sample, sparse):  # noqa: C901
    """Fixed-point processes and their connections for one sample."""
    from lava.proc.conv.process import Conv
    from lava.proc.dense.process import DelayDense, Dense
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIF, LIFRefractory
    from lava.proc.sparse.process import DelaySparse, Sparse
    from scipy.sparse import csr_matrix

    procs: dict[str, Any] = {}
    for name, node in graph.items():
        if isinstance(node, (Input, RandomSpikes)):
            data = to_lava_layout(sample[name], node.shape)  # (T, *lava) -> want (*lava, T)
            procs[name] = Source(data=np.moveaxis(data, 0, -1).astype(np.int32))
        elif isinstance(node, Constant):  # a one-column ring buffer sends it every step
            value = to_lava_layout(np.asarray(node.value), node.value.shape)
            procs[name] = Source(data=value[..., None].astype(np.int32))
        elif isinstance(node, FixedLIF):
            bias = to_lava_layout(np.broadcast_to(node.bias_mant, node.shape), node.shape)
            bias_exp = to_lava_layout(np.broadcast_to(node.bias_exp, node.shape), node.shape)
            vth = READOUT_VTH if node.reads_membrane else node.vth
            fields = dict(shape=lava_shape(node.shape), du=node.du, dv=node.dv, vth=vth,
                          bias_mant=bias.astype(np.int32).copy(), bias_exp=bias_exp.astype(np.int32).copy())
            procs[name] = (LIFRefractory(**fields, refractory_period=node.refractory) if node.refractory
                           else LIF(**fields))
    for name, node in graph.items():
        if isinstance(node, FixedLinear):
            src, flat_from = plan.producer[name]
            in_shape = graph.input_shape(name, shapes)
            out_shape = consumer_shape(graph, name, shapes)
            w = dense_matrix(node.weight, flat_from or in_shape, out_shape)
            delays = np.full(w.shape, plan.extra_delay[name], np.int64)
            if node.delays is not None:
                delays = delays + dense_matrix(node.delays, flat_from or in_shape, out_shape)
            kwargs = dict(weight_exp=node.weight_exp, num_weight_bits=node.num_weight_bits,
                          sign_mode=lava_sign_mode(node.resolved_sign_mode()),
                          num_message_bits=node.num_message_bits)
            use_sparse = sparse if sparse is not None else np.count_nonzero(w) <= SPARSE_DENSITY * w.size
            delayed = bool(delays.any())
            if use_sparse:
                if delayed:
                    rows, cols = np.nonzero(w)  # delays share the weights' sparsity pattern
                    dcsr = csr_matrix((delays[rows, cols], (rows, cols)), shape=w.shape)
                    procs[name] = DelaySparse(weights=csr_matrix(w), delays=dcsr,
                                              max_delay=int(delays.max()), **kwargs)
                else:
                    procs[name] = Sparse(weights=csr_matrix(w), **kwargs)
            elif delayed:
                procs[name] = DelayDense(weights=w, delays=delays, **kwargs)
            else:
                procs[name] = Dense(weights=w, **kwargs)
        elif isinstance(node, FixedConv2d):
            conv, in_shape = conv2d_form(node, graph.input_shape(name, shapes))
            procs[name] = Conv(weight=conv_weight(conv.weight), input_shape=lava_shape(in_shape),
                               padding=conv.padding[::-1], stride=conv.stride[::-1], dilation=conv.dilation[::-1],
                               groups=conv.groups, num_message_bits=conv.num_message_bits)

    def out_port(src: str, flatten: bool):
        proc = procs[src]
        port = proc.a_out if hasattr(proc, "a_out") else proc.s_out
        if flatten and len(port.shape) > 1:
            port = port.flatten()
        return port

    def shaped(port, shape: tuple[int, ...]):
        """``port`` reshaped to a Lava layout of the same flat order (1-D dense outputs
        into N-D populations, (L, C) populations into a 1-D convolution's (1, L, C))."""
        return port if tuple(port.shape) == tuple(shape) else port.reshape(shape)

    for name, node in graph.items():
        if isinstance(node, FixedSynapse):
            src, flat_from = plan.producer[name]
            port = out_port(src, isinstance(node, FixedLinear))
            if isinstance(node, FixedConv2d):
                port = shaped(port, lava_shape(conv2d_form(node, graph.input_shape(name, shapes))[1]))
            port.connect(procs[name].s_in)
        elif isinstance(node, FixedLIF):
            for e in graph.incoming(name):
                src = _through_flatten(graph, e.src)
                shaped(out_port(src, False), lava_shape(node.shape)).connect(procs[name].a_in)
    return procs, out_port


def _execute(graph, procs, out_port, shapes, steps, names, v_names, u_names, fixed, readouts=()):
    """Attach sinks and Read probes, run ``steps`` steps, read everything back once.
    A membrane readout's output is its ``v`` (read by a probe); its spike sink must stay
    silent (see :mod:`.lower`)."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import Read
    from lava.proc.io.sink import RingBuffer as Sink

    sinks: dict[str, object] = {}
    for name in set(names) | set(graph.outputs):
        src = _through_flatten(graph, name if not isinstance(graph.nodes[name], Output) else graph.incoming(name)[0].src)
        if src not in sinks and src in procs:
            port = out_port(src, False)
            sinks[src] = Sink(shape=port.shape, buffer=steps)
            port.connect(sinks[src].a_in)
    reads = {}
    for kind, group in (("v", list(dict.fromkeys([*v_names, *readouts]))), ("u", u_names)):
        for n in group:
            reader = Read(buffer=steps)
            reader.connect_var(getattr(procs[n], kind))
            reads[(kind, n)] = reader
    runner = next(iter(procs.values()))
    out: dict[str, dict[str, np.ndarray]] = {"spikes": {}, "v": {}, "u": {}}
    started = False
    try:
        started = True
        if fixed:  # Lava ships no fixed_pt model for LIFRefractory: ours (see .refractory)
            from snncompile.backends.lava.refractory import EXCEPTIONS

            config = Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=EXCEPTIONS)
        else:
            config = Loihi2SimCfg(select_tag="floating_pt")
        runner.run(condition=RunSteps(num_steps=steps), run_cfg=config)
        got = {src: sink.data.get() for src, sink in sinks.items()}
        states = {key: reader.data.get() for key, reader in reads.items()}
    finally:
        if started:
            runner.stop()

    def series(raw: np.ndarray, node_name: str) -> np.ndarray:
        shape = shapes[node_name]
        arr = np.moveaxis(np.asarray(raw), -1, 0)  # (T, *lava)
        return from_lava_layout(arr, shape).astype(np.int64 if fixed else np.float64).reshape(steps, *shape)

    for (kind, n), raw in states.items():
        out[kind][n] = series(raw, n)
    for name in set(names) | set(graph.outputs):
        node = graph.nodes[name]
        src = _through_flatten(graph, name if not isinstance(node, Output) else graph.incoming(name)[0].src)
        value = series(got[src], src)
        if src in readouts:
            if np.any(value):
                raise UnsupportedError(
                    f"Lava: membrane readout '{src}' fired at step {int(np.flatnonzero(value.reshape(steps, -1).any(1))[0])} "
                    f"(v passed {READOUT_VTH} << 6, where Lava's LIF resets it); the emulator saturates instead"
                )
            value = out["v"][src]
        out["spikes"][name] = value.reshape(steps, *shapes[name])
    out["v"] = {n: out["v"][n] for n in v_names}
    return out


def _through_flatten(graph: Graph, name: str) -> str:
    while isinstance(graph.nodes[name], FLAT_VIEWS):
        name = graph.incoming(name)[0].src
    return name

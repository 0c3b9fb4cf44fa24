"""Export a graph as an ONNX single-step function ``(x_t, state) -> (y_t, state')``.

The ONNX model computes one time step of :mod:`snncompile.ir.graph`'s semantics. Its
graph inputs are the IR's Input nodes (``(batch, *shape)``, under their IR names) then
the state slots ``state.<node>.<field>``; its outputs are the IR's Output nodes, then
``record.<node>`` for nodes asked to be recorded, then the updated state
``state.<node>.<field>.next`` in the same order as the state inputs (see
:mod:`snncompile.backends.onnx.state`). Drive it for ``T`` steps by feeding zeros as the
first state and each step's ``.next`` outputs as the following step's state.

The model is float32 (weights, inputs, state). The reference simulator defaults to
float64; run it with ``dtype=torch.float32`` to compare. The graph is built directly with
``onnx.helper``, one emitter per node kind (:mod:`snncompile.backends.onnx.emitters`).
"""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

import snncompile
from snncompile.backends.onnx import host_emitters  # noqa: F401  (registers the host emitters)
from snncompile.backends.onnx.builder import Builder
from snncompile.backends.onnx.emitters import emitter_for
from snncompile.backends.onnx.state import StateTable
from snncompile.errors import UnsupportedError
from snncompile.fileio import atomic_path
from snncompile.ir import Graph, Input
from snncompile.ir.node import SUM
from snncompile.simulate.backend import Record, resolve_record

DEFAULT_OPSET = 17
#: Oldest opset whose operator signatures the emitters use (Unsqueeze/Squeeze axes as inputs).
MIN_OPSET = 13
BATCH = "batch"
RECORD_PREFIX = "record."
#: ONNX protobuf files cannot exceed 2 GiB without external data.
MAX_BYTES = 2**31 - 1

STEP_SEMANTICS = """\
One time step of an snncompile graph (dt = {dt} s), float32, batch first.
Call it once per step t = 0, 1, ...: feed each Input's x[t] (batch, *shape) and the state,
then feed the returned '.next' tensors back as the state of step t+1. The state of step 0
is all zeros. Outputs: each Output's y[t]; 'record.<node>' values if exported; the state.
Within a step nodes run in topological order of the zero-delay edges; an edge with
delay d >= 1 delivers its source's output from d steps ago (zero before the start).
State slots (input name -> output name '<name>.next', shape without the batch axis):
{slots}"""


def to_onnx(graph: Graph, opset: int = DEFAULT_OPSET, record: Record = None) -> onnx.ModelProto:
    """The ONNX model of one step of ``graph`` (see module docstring). ``record`` (node
    names, ``"all"`` or ``"neurons"``, as for the reference simulator) chooses nodes whose
    per-step output is also exposed, as ``record.<node>``."""
    if not MIN_OPSET <= int(opset) <= onnx.defs.onnx_opset_version():
        raise UnsupportedError(
            f"ONNX opset {opset} not supported: choose {MIN_OPSET}..{onnx.defs.onnx_opset_version()}"
        )
    graph.validate()
    record = resolve_record(graph, record)
    clashes = [n for n in graph.inputs + graph.outputs if n.startswith(("state.", "record."))]
    if clashes:
        raise UnsupportedError(f"Input/Output node names {clashes} clash with the ONNX state/record names; rename them")
    shapes = graph.infer_shapes()
    b = Builder()
    states = StateTable(b.reserve)
    for name in graph.inputs + graph.outputs + [RECORD_PREFIX + n for n in record]:
        b.reserve(name)
    b.batch_source = graph.inputs[0] if graph.inputs else None
    fifo_depth = _fifo_depths(graph)
    fifo_slots = {src: states.add(src, "fifo", (depth, *shapes[src]), "last outputs, index k-1 = k steps ago")
                  for src, depth in fifo_depth.items()}
    values: dict[str, str] = {}
    for name in graph.step_order():
        node = graph.nodes[name]
        b.begin()
        if isinstance(node, Input):
            values[name] = name
            continue
        x, in_shape = _node_input(b, graph, name, values, fifo_slots, shapes)
        values[name] = emitter_for(name, node)(b, name, node, x, in_shape, states)
    outputs = [_value_info(n, shapes[n]) for n in graph.outputs]
    for name in record:
        b.begin()
        outputs.append(_value_info(b.bind(values[name], RECORD_PREFIX + name), shapes[name]))
    for src, slot in fifo_slots.items():
        _shift_fifo(b, src, values[src], slot)
    outputs += [_value_info(s.next_name, s.shape, s.doc) for s in states.slots]
    inputs = [_value_info(n, shapes[n]) for n in graph.inputs]
    inputs += [_value_info(s.name, s.shape, s.doc) for s in states.slots]
    onnx_graph = helper.make_graph(b.nodes, "snncompile_step", inputs, outputs, b.initializers)
    opsets = [helper.make_opsetid("", int(opset))]
    model = helper.make_model(
        onnx_graph,
        opset_imports=opsets,
        producer_name="snncompile",
        producer_version=snncompile.__version__,
        doc_string=STEP_SEMANTICS.format(dt=graph.dt, slots=_describe(states)),
        # the oldest IR version that carries this opset: older runtimes can load it
        ir_version=helper.find_min_ir_version_for(opsets),
    )
    helper.set_model_props(model, {
        "snncompile.version": snncompile.__version__,
        "snncompile.form": "step",
        "snncompile.dt": repr(float(graph.dt)),
        "snncompile.inputs": json.dumps(graph.inputs),
        "snncompile.outputs": json.dumps(graph.outputs),
        "snncompile.record": json.dumps(record),
        "snncompile.state": json.dumps([s.to_json() for s in states.slots]),
    })
    if model.ByteSize() <= MAX_BYTES:
        onnx.checker.check_model(model)  # a broken model is our bug: never hand one out
    return model


def write_onnx(graph: Graph, path: str | os.PathLike, opset: int = DEFAULT_OPSET,
               record: Record = None, sequence: bool = False) -> onnx.ModelProto:
    """Export ``graph`` (see :func:`to_onnx`; with ``sequence=True`` the form scanned over
    time, :func:`~snncompile.backends.onnx.sequence.to_onnx_sequence`) and write it to
    ``path`` atomically."""
    if sequence:
        from snncompile.backends.onnx.sequence import to_onnx_sequence

        model = to_onnx_sequence(graph, opset=opset, record=record)
    else:
        model = to_onnx(graph, opset=opset, record=record)
    if model.ByteSize() > MAX_BYTES:
        raise UnsupportedError(f"{path}: the ONNX model would be {model.ByteSize()} bytes, over protobuf's 2 GiB limit")
    with atomic_path(path, suffix=".onnx") as tmp:
        onnx.save(model, str(tmp))
    return model


def write_onnx_sequence(graph: Graph, path: str | os.PathLike, opset: int = DEFAULT_OPSET,
                        record: Record = None) -> onnx.ModelProto:
    """``write_onnx(..., sequence=True)``: the form scanned over time (``--to onnx-sequence``)."""
    return write_onnx(graph, path, opset=opset, record=record, sequence=True)


def _fifo_depths(graph: Graph) -> dict[str, int]:
    """Source node -> its longest outgoing edge delay (for sources with delayed edges)."""
    depth: dict[str, int] = {}
    for e in graph.edges:
        if e.delay > 0:
            depth[e.src] = max(depth.get(e.src, 0), e.delay)
    return depth


def _node_input(b: Builder, graph: Graph, name: str, values: dict[str, str], fifo_slots, shapes):
    """(x, in_shape) for an emitter: the summed input and its shape; dicts by port for a
    node with ports; (None, ()) for a source node."""
    node = graph.nodes[name]
    if node.source:
        return None, ()
    operands = graph.operands(name)
    by_port = {port: _summed_input(b, name, edges, values, fifo_slots) for port, edges in operands.items()}
    in_shapes = graph.operand_shapes(name, shapes)
    if node.ports:
        return by_port, in_shapes
    return by_port[SUM], in_shapes[SUM]


def _summed_input(b: Builder, name: str, edges, values: dict[str, str], fifo_slots) -> str:
    """Sum of ``edges`` in edge order (the reference's order of additions)."""
    terms = []
    for e in edges:
        if e.delay == 0:
            terms.append(values[e.src])
        else:
            slot = fifo_slots[e.src].name
            index = b.const(e.delay - 1, f"{name}/delay_{e.delay}_from_{e.src}", dtype=np.int64)
            terms.append(b.op("Gather", [slot, index], name, axis=1))
    total = terms[0]
    for term in terms[1:]:
        total = b.op("Add", [total, term], name)
    return total


def _shift_fifo(b: Builder, src: str, value: str, slot) -> None:
    """``fifo' = [y_t, fifo[0], ..., fifo[d-2]]`` along axis 1."""
    b.begin()
    now = b.op("Unsqueeze", [value, b.ints([1], f"{src}/fifo_axis")], f"{src}/fifo")
    depth = slot.shape[0]
    if depth > 1:
        kept = b.op("Slice", [slot.name, b.ints([0], f"{src}/fifo_start"), b.ints([depth - 1], f"{src}/fifo_end"),
                              b.ints([1], f"{src}/fifo_axis")], f"{src}/fifo")
        now = b.op("Concat", [now, kept], f"{src}/fifo", axis=1)
    b.bind(now, slot.next_name)


def _value_info(name: str, shape, doc: str = "") -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [BATCH, *shape], doc_string=doc)


def _describe(states: StateTable) -> str:
    if not states.slots:
        return "  (none: the graph is stateless)"
    return "\n".join(f"  {s.name} {list(s.shape)}: {s.doc}" for s in states.slots)

"""What the generated C stores for a compiled graph, decided once (the "plan").

Every node in step order gets a C identifier and one of these storage kinds:

- ``EVENTS``: a binary spiking FixedLIF: per step the list of neurons that fired
  (``uint16_t``/``uint32_t`` indices), what the synapses downstream iterate over;
- ``DENSE``: one ``int32_t`` per element and step (Inputs, synapse outputs, graded
  spikes, membrane readouts, data movement with several inputs);
- ``CONST``: a Constant, one ``const int32_t`` array in flash (0 before its edge delay);
- ``ALIAS``: data movement with one input edge (Flatten, Reshape, Output): no storage,
  readers read its source ``delay`` steps earlier.

A mixed graph's host entry (analog Inputs and the host nodes up to the ``Quantize``
boundary, :mod:`.entry`) is not in ``order``: it is listed in ``entry`` and computed in
double by ``snn_set_analog`` (:mod:`.emit_entry`); a ``Quantize`` node is ``DENSE``.

A node read through edges of delay up to ``d`` keeps a ring of ``d + 1`` steps
(``depth``); an edge reads slot ``pos - delay`` (mod depth). Rings start zeroed, so a
slot not written yet reads as the emulator's "no value before step 0".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from snncompile.backends.c.entry import is_entry
from snncompile.ir import Constant, Graph, Input, Node
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.host_tensor import FLAT_VIEWS
from snncompile.ir.ops import Output

EVENTS, DENSE, CONST, ALIAS = "events", "dense", "const", "alias"

#: data movement that passes its (summed) input on unchanged
PASS_KINDS: tuple[type, ...] = (*FLAT_VIEWS, Output)


@dataclass(frozen=True)
class Read:
    """One resolved incoming edge: the storing node and how many steps back."""

    src: str
    delay: int


@dataclass
class NodePlan:
    name: str
    node: Node
    ident: str
    size: int
    storage: str
    reads: list[Read] = field(default_factory=list)
    depth: int = 1


@dataclass
class Plan:
    graph: Graph
    nodes: dict[str, NodePlan]
    order: list[str]  # the nodes snn_step runs (the entry left out)
    shapes: dict[str, tuple[int, ...]]
    entry: list[str] = field(default_factory=list)  # host entry nodes, in step order
    idents: dict[str, str] = field(default_factory=dict)  # every node's C identifier

    def resolve(self, name: str, delay: int = 0) -> Read:
        """Where a read of ``name`` ``delay`` steps back really goes (through aliases)."""
        plan = self.nodes[name]
        if plan.storage == ALIAS:
            (inner,) = plan.reads
            return Read(inner.src, inner.delay + delay)
        return Read(name, delay)

    @property
    def inputs(self) -> list[NodePlan]:
        """The integer inputs (``snn_step``'s)."""
        return [self.nodes[n] for n in self.graph.inputs if n in self.nodes]

    @property
    def analog(self) -> list[str]:
        """The analog (float) inputs (``snn_set_analog``'s), in graph order."""
        return [n for n in self.graph.inputs if n in self.entry]

    @property
    def outputs(self) -> list[NodePlan]:
        return [self.nodes[n] for n in self.graph.outputs]


def c_identifier(index: int, name: str) -> str:
    """``n<index>_<name>`` with every character outside ``[A-Za-z0-9_]`` as ``_``."""
    return f"n{index}_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def storage_of(graph: Graph, name: str, node: Node) -> str:
    if isinstance(node, FixedLIF):
        return EVENTS if node.spiking else DENSE
    if isinstance(node, Constant):
        return CONST
    if isinstance(node, PASS_KINDS) and len(graph.incoming(name)) == 1:
        return ALIAS
    return DENSE


def build_plan(graph: Graph) -> Plan:
    steps = graph.step_order()
    shapes = graph.infer_shapes()
    idents = {name: c_identifier(i, name) for i, name in enumerate(steps)}
    entry = [n for n in steps if is_entry(graph, n)]
    order = [n for n in steps if n not in set(entry)]
    nodes = {name: NodePlan(name, graph.nodes[name], idents[name], int(np.prod(shapes[name])),
                            storage_of(graph, name, graph.nodes[name])) for name in order}
    plan = Plan(graph, nodes, order, shapes, entry, idents)
    for name in order:  # step order: an alias's source is resolved before the alias is read
        plan.nodes[name].reads = [plan.resolve(e.src, e.delay) for e in graph.incoming(name) if e.src in nodes]
    for name in order:
        if plan.nodes[name].storage == ALIAS:
            continue
        for r in plan.nodes[name].reads:
            plan.nodes[r.src].depth = max(plan.nodes[r.src].depth, r.delay + 1)
    for out in graph.outputs:  # outputs are read at the current step
        r = plan.resolve(out)
        plan.nodes[r.src].depth = max(plan.nodes[r.src].depth, r.delay + 1)
    return plan


def index_type(n: int) -> str:
    return "uint16_t" if n <= 0xFFFF else "uint32_t"


def is_synapse(node: Node) -> bool:
    return isinstance(node, FixedSynapse)


def is_input(node: Node) -> bool:
    return isinstance(node, Input)

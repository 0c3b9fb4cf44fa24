"""The graph: named nodes, edges with integer delays, and a time step ``dt``.

Meaning of one time step ``t`` (the reference simulator implements exactly this):

- every node's input is the sum over its incoming edges ``(src, dst, delay)`` of
  ``out_src[t - delay]`` (zero when ``t - delay < 0``); a node with ordered operands
  (``ports``, e.g. ``MatMul(a, b)``) gets that sum per port, over the edges naming it;
- source nodes (``Input``, ``Constant``) have no incoming edge;
- nodes are evaluated in the topological order of the zero-delay edges, so a chain of
  zero-delay edges is computed within the same step (PyTorch's semantics);
- a cycle is allowed when at least one of its edges has ``delay >= 1``: that edge carries
  the previous step's value (recurrence).

Hardware adds latency per synapse stage; that is a backend's timing, stated there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from snncompile.errors import GraphError
from snncompile.ir.neurons import NeuronNode
from snncompile.ir.node import SUM, Node, Shape, nodes_equal
from snncompile.ir.ops import Input, Output

#: Default time step in seconds: the NIR paper's convention (and snnTorch's export default).
DEFAULT_DT = 1e-4


@dataclass(frozen=True)
class Edge:
    """``dst`` receives ``src``'s output from ``delay`` steps ago (``delay >= 0``), at
    operand ``port`` of ``dst`` (``""``: the summed input of a node without ports)."""

    src: str
    dst: str
    delay: int = 0
    port: str = SUM

    def key(self) -> tuple[str, str, int, str]:
        return (self.src, self.dst, self.delay, self.port)

    def replace(self, **changes: Any) -> Edge:
        """A copy with some fields changed (a rewired edge keeps its port unless told)."""
        return dataclasses.replace(self, **changes)


class EdgeList(list):
    """A list of edges that tells its owner when it changes (to drop the edge index)."""

    def __init__(self, items: Iterable[Edge] = (), on_change: Callable[[], None] | None = None):
        super().__init__(items)
        self._on_change = on_change

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()


def _notifying(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def wrapper(self: EdgeList, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self._changed()
        return self if name == "__iadd__" else result

    wrapper.__name__ = name
    return wrapper


for _name in ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
              "__setitem__", "__delitem__", "__iadd__"):
    setattr(EdgeList, _name, _notifying(_name))


class Graph:
    """A spiking network in discrete time.

    ``nodes`` maps names to nodes (insertion order is kept and is the order of inputs and
    outputs); ``edges`` are summed at their destination (per port); ``dt`` is seconds per
    step. ``incoming``/``outgoing`` answer from an index that is rebuilt after the edge
    list changes.
    """

    def __init__(self, nodes: dict[str, Node] | None = None, edges: Iterable[Edge] | None = None,
                 dt: float = DEFAULT_DT) -> None:
        self.nodes: dict[str, Node] = nodes if nodes is not None else {}
        self.edges = edges if edges is not None else []
        self.dt = dt

    @property
    def edges(self) -> EdgeList:
        return self._edges

    @edges.setter
    def edges(self, value: Iterable[Edge]) -> None:
        self._edges = EdgeList(value, self._drop_index)
        self._drop_index()

    def _drop_index(self) -> None:
        self._index: tuple[dict[str, list[Edge]], dict[str, list[Edge]]] | None = None

    def _edge_index(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]:
        if self._index is None:
            incoming: dict[str, list[Edge]] = {}
            outgoing: dict[str, list[Edge]] = {}
            for e in self._edges:
                incoming.setdefault(e.dst, []).append(e)
                outgoing.setdefault(e.src, []).append(e)
            self._index = (incoming, outgoing)
        return self._index

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} nodes, {len(self._edges)} edges, dt={self.dt})"

    # -- building -----------------------------------------------------------------
    def add(self, name: str, node: Node) -> str:
        if name in self.nodes:
            raise GraphError(f"node '{name}' already exists")
        self.nodes[name] = node
        return name

    def connect(self, src: str, dst: str, delay: int = 0, port: str = SUM) -> None:
        self.edges.append(Edge(src, dst, int(delay), port))

    def chain(self, *names: str) -> None:
        """Connect ``names[0] -> names[1] -> ...`` with zero-delay edges."""
        for a, b in zip(names, names[1:]):
            self.connect(a, b)

    def copy(self) -> Graph:
        return Graph(dict(self.nodes), list(self.edges), self.dt)

    def __getstate__(self) -> dict[str, Any]:  # the index is derived: rebuild it after a copy
        return {"nodes": self.nodes, "edges": list(self._edges), "dt": self.dt}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["nodes"], state["edges"], state["dt"])  # type: ignore[misc]

    # -- queries --------------------------------------------------------------------
    @property
    def inputs(self) -> list[str]:
        return [n for n, node in self.nodes.items() if isinstance(node, Input)]

    @property
    def outputs(self) -> list[str]:
        return [n for n, node in self.nodes.items() if isinstance(node, Output)]

    def incoming(self, name: str) -> list[Edge]:
        return list(self._edge_index()[0].get(name, ()))

    def outgoing(self, name: str) -> list[Edge]:
        return list(self._edge_index()[1].get(name, ()))

    def operands(self, name: str) -> dict[str, list[Edge]]:
        """Incoming edges by port (``{"": [...]}`` for a node without ports), in the
        order of the node's ports."""
        ports = self.nodes[name].ports or (SUM,)
        by_port: dict[str, list[Edge]] = {p: [] for p in ports}
        for e in self.incoming(name):
            by_port.setdefault(e.port, []).append(e)
        return by_port

    def items(self) -> Iterator[tuple[str, Node]]:
        return iter(self.nodes.items())

    def to_networkx(self, zero_delay_only: bool = False) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        g.add_nodes_from(self.nodes)
        for e in self.edges:
            if not zero_delay_only or e.delay == 0:
                g.add_edge(e.src, e.dst, delay=e.delay)
        return g

    def step_order(self) -> list[str]:
        """Evaluation order within one step (topological over zero-delay edges; ties keep
        insertion order). Raises GraphError naming a zero-delay cycle."""
        g = self.to_networkx(zero_delay_only=True)
        position = {n: i for i, n in enumerate(self.nodes)}
        try:
            return list(nx.lexicographical_topological_sort(g, key=position.__getitem__))
        except nx.NetworkXUnfeasible:
            cycle = nx.find_cycle(g)
            names = " -> ".join([c[0] for c in cycle] + [cycle[-1][1]])
            raise GraphError(
                f"cycle without delay: {names}; give one of its edges delay >= 1 "
                "(recurrence needs at least one step of delay)"
            ) from None

    # -- shapes and validation -------------------------------------------------------
    def infer_shapes(self) -> dict[str, Shape]:
        """Per-sample output shape of every node. Raises GraphError with every problem."""
        shapes, _ = self._shapes_and_problems()
        return shapes

    def input_shape(self, name: str, shapes: dict[str, Shape] | None = None) -> Shape:
        """Shape of the summed input (of the first port for a node with ports)."""
        shapes = shapes if shapes is not None else self.infer_shapes()
        node = self.nodes[name]
        if isinstance(node, Input):
            return node.shape
        return next(iter(self.operand_shapes(name, shapes).values()), ())

    def operand_shapes(self, name: str, shapes: dict[str, Shape] | None = None) -> dict[str, Shape]:
        """Shape at each port of ``name`` (``{"": shape}`` without ports)."""
        shapes = shapes if shapes is not None else self.infer_shapes()
        return {p: shapes[edges[0].src] for p, edges in self.operands(name).items() if edges}

    def _shapes_and_problems(self) -> tuple[dict[str, Shape], list[str]]:
        problems = self._structure_problems()
        if problems:
            raise GraphError(_format(problems))
        shapes: dict[str, Shape] = {}
        for name, node in self.nodes.items():
            if isinstance(node, NeuronNode) or node.source:
                shapes[name] = node.output_shape(())
        pending = [n for n in self.nodes if n not in shapes]
        broken: set[str] = set()
        deferred: list[str] = []  # resolved before a delayed source's shape was known
        stuck = False
        while pending:
            progress = False
            for name in list(pending):
                srcs = self._known_sources(name, shapes, broken, through_delay=stuck)
                if srcs is None:
                    continue
                if stuck:  # one node at a time, then plain propagation again
                    deferred.append(name)
                    stuck = False
                pending.remove(name)
                progress = True
                if any(s in broken for s in srcs):
                    broken.add(name)  # already reported upstream
                    continue
                node = self.nodes[name]
                found = self._input_problems(name, shapes)
                by_port = self._known_operand_shapes(name, shapes)
                if not found:
                    found = [f"node '{name}' ({node.kind}): {p}" for p in node.check_operands(by_port)]
                if found:
                    problems += found
                    broken.add(name)
                else:
                    shapes[name] = node.operand_output_shape(by_port)
            if not progress:
                if stuck:
                    break
                stuck = True
        if pending:
            problems.append(f"cannot infer shapes of {pending}: they are only reachable through an unresolved cycle")
        for name in deferred:  # the delayed sources are known now: they must agree
            srcs = [e.src for e in self.incoming(name)]
            if name not in broken and all(s in shapes for s in srcs):
                problems += self._input_problems(name, shapes)
        # Neurons have explicit shapes; check what they receive too.
        for name, node in self.nodes.items():
            if isinstance(node, NeuronNode) or node.source:
                srcs = [e.src for e in self.incoming(name)]
                if all(s in shapes for s in srcs):
                    found = self._input_problems(name, shapes)
                    if not found:
                        by_port = {SUM: shapes[srcs[0]]} if srcs else {SUM: ()}
                        found = [f"node '{name}' ({node.kind}): {p}" for p in node.check_operands(by_port)]
                    problems += found
        if problems:
            raise GraphError(_format(problems))
        return shapes, problems

    def _known_sources(self, name: str, shapes: dict[str, Shape], broken: set[str],
                       through_delay: bool) -> list[str] | None:
        """The sources to infer ``name``'s shape from, or None to wait. Normally every
        source must be known. A cycle without a neuron (an Affine feeding itself) has no
        shape source, so once nothing else progresses (``through_delay``) a node whose
        unknown sources all arrive through delayed edges takes its shape from the known
        ones (checked against the others at the end). A loop may also reach its only node
        of known shape through itself (a host gate around a chip neuron, once latency has
        moved the loop's delay onto the neuron's synapse): in a graph whose zero-delay
        edges have an order, any node whose every operand has a known source may then
        go first (shapes do not depend on time)."""
        incoming = self.incoming(name)
        known = [e.src for e in incoming if e.src in shapes or e.src in broken]
        if len(known) == len(incoming):
            return known
        if not through_delay or not known:
            return None
        waiting = [e for e in incoming if not (e.src in shapes or e.src in broken)]
        fed = {e.port for e in incoming if e.src in shapes or e.src in broken}
        if fed != {e.port for e in incoming}:
            return None
        if all(e.delay >= 1 for e in waiting) or self._zero_delay_order_exists():
            return known
        return None

    def _zero_delay_order_exists(self) -> bool:
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        g.add_edges_from((e.src, e.dst) for e in self._edges if e.delay == 0)
        return nx.is_directed_acyclic_graph(g)

    def _known_operand_shapes(self, name: str, shapes: dict[str, Shape]) -> dict[str, Shape]:
        """Shape at each port from its first source whose shape is known."""
        out: dict[str, Shape] = {}
        for port, edges in self.operands(name).items():
            known = [e for e in edges if e.src in shapes]
            if known:
                out[port] = shapes[known[0].src]
        return out

    def _input_problems(self, name: str, shapes: dict[str, Shape]) -> list[str]:
        """Ports without an edge, and ports summing sources of different shapes (among
        the sources whose shapes are known)."""
        node = self.nodes[name]
        if node.source:
            return []
        problems = []
        for port, edges in self.operands(name).items():
            where = f"node '{name}' ({node.kind})" + (f" operand '{port}'" if port else "")
            if not edges:
                problems.append(f"{where} has no incoming edge")
                continue
            known = [e for e in edges if e.src in shapes]
            in_shapes = [tuple(shapes[e.src]) for e in known]
            if len(set(in_shapes)) > 1:
                detail = ", ".join(f"'{e.src}' {sh}" for e, sh in zip(known, in_shapes))
                problems.append(f"{where} sums inputs of different shapes: {detail}")
        return problems

    def _structure_problems(self) -> list[str]:
        problems = []
        if not (self.dt > 0):
            problems.append(f"graph dt must be > 0 seconds, found {self.dt}")
        for e in self.edges:
            for end in (e.src, e.dst):
                if end not in self.nodes:
                    problems.append(f"edge {e.src} -> {e.dst} names node '{end}', which does not exist")
            if e.delay < 0:
                problems.append(f"edge {e.src} -> {e.dst} has negative delay {e.delay}")
            dst = self.nodes.get(e.dst)
            if dst is not None and dst.source:
                problems.append(f"edge {e.src} -> {e.dst}: {_article(dst.kind)} {dst.kind} node cannot have incoming edges")
            elif dst is not None and e.port not in (dst.ports or (SUM,)):
                wanted = f"one of its operands {list(dst.ports)}" if dst.ports else "no operand name (it sums its inputs)"
                problems.append(f"edge {e.src} -> {e.dst} names operand '{e.port}'; {dst.kind} takes {wanted}")
            if isinstance(self.nodes.get(e.src), Output):
                problems.append(f"edge {e.src} -> {e.dst}: an Output node cannot have outgoing edges")
        if not self.inputs:
            problems.append("graph has no Input node")
        if not self.outputs:
            problems.append("graph has no Output node")
        return problems

    def validate(self) -> Graph:
        """Check structure, cycles, shapes and parameters; raise GraphError listing every
        problem found. Returns the graph so it can be chained."""
        self._shapes_and_problems()
        self.step_order()
        return self

    # -- comparison --------------------------------------------------------------------
    def equals(self, other: Graph, rtol: float = 0.0, atol: float = 0.0) -> bool:
        """Same nodes (by name and fields), same edges (as a multiset) and same dt."""
        if self.dt != other.dt or list(self.nodes) != list(other.nodes):
            return False
        if sorted(e.key() for e in self.edges) != sorted(e.key() for e in other.edges):
            return False
        return all(nodes_equal(self.nodes[n], other.nodes[n], rtol, atol) for n in self.nodes)

    def summary(self) -> list[dict]:
        """One row per node: name, kind, input and output shape, parameter count."""
        shapes = self.infer_shapes()
        rows = []
        for name, node in self.nodes.items():
            rows.append(
                {
                    "name": name,
                    "kind": node.kind,
                    "input_shape": list(self.input_shape(name, shapes)),
                    "output_shape": list(shapes[name]),
                    "params": int(sum(a.size for a in node.param_arrays().values())),
                }
            )
        return rows


def is_spike_train(graph: Graph, name: str) -> bool:
    """True when ``name`` outputs 0/1 spikes: a spiking node, or a node that copies
    elements (``copies_elements``: Output, Delay, views, selections, MaxPool) fed one
    spike train per operand (two edges into one summed input add up: no spike train)."""
    node = graph.nodes[name]
    if node.spiking:
        return True
    if not node.copies_elements:
        return False
    operands = graph.operands(name).values()
    return all(len(edges) == 1 and is_spike_train(graph, edges[0].src) for edges in operands)


def _format(problems: Iterable[str]) -> str:
    problems = list(problems)
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems: " + "; ".join(problems)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"

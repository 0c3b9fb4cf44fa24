"""Where a node of a compiled graph runs, and the other analysis results kept in
``node.meta`` — one vocabulary, read and written only through this module.

- ``placement``: ``"chip"`` (integer cores) or ``"host"`` (float, beside the chip); set
  by the partition pass (:mod:`snncompile.passes.partition`);
- ``segment``: the id of the connected group of same-placement nodes the node belongs
  to (``chip0``, ``host1``, ...); every edge between segments is a *crossing*;
- ``lag``: steps by which a compiled node trails the float timeline (synapse latency);
- ``origin``: which pass made or changed the node, ``{"pass": name, "from": [nodes]}``;
- ``static``: the node's output is the same every step (it depends only on static
  inputs): computed once per sample (:mod:`snncompile.passes.mark_static`).

A graph whose nodes carry no placement is entirely on one side: integer graphs on the
chip, float graphs on the host (:func:`placement_of`).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from snncompile.ir.graph import Edge, Graph
from snncompile.ir.node import Node
from snncompile.ir.stage import Stage

PLACEMENT, SEGMENT, LAG, ORIGIN, STATIC = "placement", "segment", "lag", "origin", "static"


class Placement(str, Enum):
    CHIP = "chip"
    HOST = "host"


def placement_of(node: Node) -> Placement:
    """The node's placement; without one, integer nodes are on the chip and the rest on
    the host (pure data movement goes with the chip)."""
    value = node.meta.get(PLACEMENT)
    if value is not None:
        return Placement(value)
    return Placement.HOST if type(node).stage in (Stage.FLOAT, Stage.HOST) else Placement.CHIP


def on_host(node: Node) -> bool:
    """True for a node a partition placed on the host (explicitly: an unplaced float
    node is not a host node; it still needs lowering or a partition)."""
    return node.meta.get(PLACEMENT) == Placement.HOST.value


def placed(node: Node, placement: Placement, segment: str | None = None) -> Node:
    return node.with_meta(**{PLACEMENT: placement.value, SEGMENT: segment})


def segments(graph: Graph) -> dict[str, list[str]]:
    """Segment id -> its nodes, in graph order (nodes without a segment are left out)."""
    out: dict[str, list[str]] = {}
    for name, node in graph.items():
        seg = node.meta.get(SEGMENT)
        if seg is not None:
            out.setdefault(str(seg), []).append(name)
    return out


def segment_of(node: Node) -> str | None:
    seg = node.meta.get(SEGMENT)
    return None if seg is None else str(seg)


def crossings(graph: Graph) -> list[Edge]:
    """Edges whose ends run in different places (chip -> host or host -> chip)."""
    return [e for e in graph.edges
            if placement_of(graph.nodes[e.src]) is not placement_of(graph.nodes[e.dst])]


def is_static(node: Node) -> bool:
    return bool(node.meta.get(STATIC, False))


def lags(graph: Graph) -> dict[str, int]:
    """``lag`` of every node that has one."""
    return {n: int(node.meta[LAG]) for n, node in graph.items() if LAG in node.meta}


def with_origin(node: Node, pass_name: str, sources: list[str] | None = None, **detail: Any) -> Node:
    """``node`` marked as made by ``pass_name`` (from ``sources``)."""
    origin: dict[str, Any] = {"pass": pass_name, **detail}
    if sources:
        origin["from"] = list(sources)
    return node.with_meta(**{ORIGIN: origin})


def chip_segments(graph: Graph) -> dict[str, list[str]]:
    """Chip segment id -> its nodes (a graph without placements is one chip segment of
    its integer nodes, ``chip0``)."""
    found = {seg: names for seg, names in segments(graph).items()
             if placement_of(graph.nodes[names[0]]) is Placement.CHIP}
    if found:
        return found
    names = [n for n, node in graph.items() if placement_of(node) is Placement.CHIP]
    return {"chip0": names} if names else {}


def extract(graph: Graph, names: list[str]) -> tuple[Graph, list[str]]:
    """The subgraph of ``names`` as a graph of its own: every node outside it that feeds
    it becomes an ``Input`` of the same name and shape (its values are replayed into the
    subgraph) — a ``Constant`` is copied instead, it needs no replay — and every node in
    it that feeds the outside keeps its edges only inside. Returns the subgraph and the
    names of the boundary inputs it gained."""
    from snncompile.ir.ops import Input, Output

    inside = set(names)
    shapes = graph.infer_shapes()
    sub = Graph(dt=graph.dt)
    boundary = []
    for e in graph.edges:
        if e.dst in inside and e.src not in inside and e.src not in sub.nodes:
            source = graph.nodes[e.src]
            copied = isinstance(source, Input) or source.source
            sub.add(e.src, source if copied else Input(shape=shapes[e.src]))
            if not copied:
                boundary.append(e.src)
    for name in names:
        sub.add(name, graph.nodes[name])
    sub.edges = [e for e in graph.edges if e.dst in inside]
    if not sub.outputs:  # a graph needs an output: expose the segment's last node
        last = names[-1]
        sub.add(f"{last}.out", Output(shape=shapes[last]))
        sub.connect(last, f"{last}.out")
    return sub, boundary


def complete_placements(graph: Graph) -> Graph:
    """Give nodes a pass added after the partition (bias sources, reset corrections) a
    placement and segment: their stage's default placement, and the segment of a
    neighbour placed alike (sources on the chip join the segment they feed)."""
    if not any(SEGMENT in node.meta for node in graph.nodes.values()):
        return graph
    where = {n: placement_of(node) for n, node in graph.items()}
    seg = {n: segment_of(node) for n, node in graph.items()}
    changed = True
    while changed:
        changed = False
        for e in graph.edges:
            for a, b in ((e.src, e.dst), (e.dst, e.src)):
                if seg[a] is None and seg[b] is not None and where[a] is where[b]:
                    seg[a] = seg[b]
                    changed = True
    nodes = {n: placed(node, where[n], seg[n]) if segment_of(node) is None else node for n, node in graph.items()}
    return Graph(nodes, list(graph.edges), graph.dt)

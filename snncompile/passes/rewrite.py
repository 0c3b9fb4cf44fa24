"""Small graph-surgery helpers shared by passes (all return new graphs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from snncompile.errors import GraphError
from snncompile.ir import Edge, Graph, Node

N = TypeVar("N", bound=Node)
#: which nodes a rewrite accepts: node classes, or a predicate on the node
Accept = tuple[type, ...] | Callable[[Node], bool]


def accepts(accept: Accept, node: Node) -> bool:
    return isinstance(node, accept) if isinstance(accept, tuple) else bool(accept(node))


def replace_node(graph: Graph, name: str, node: Node) -> Graph:
    """A copy of ``graph`` with ``name`` bound to ``node`` (same position, same edges); a
    replacement without meta of its own keeps the old node's (placement, segment, ...)."""
    nodes = dict(graph.nodes)
    old = nodes[name]
    nodes[name] = node if node.meta or not old.meta else node.with_meta(**old.meta)
    return Graph(nodes, list(graph.edges), graph.dt)


def bypass(graph: Graph, name: str) -> Graph:
    """Remove ``name`` (which must have exactly one incoming edge) and connect its source
    to each of its destinations; delays add up along the removed path."""
    (inc,) = graph.incoming(name)
    edges = [e for e in graph.edges if name not in (e.src, e.dst)]
    edges += [e.replace(src=inc.src, delay=inc.delay + e.delay) for e in graph.outgoing(name)]
    nodes = {n: node for n, node in graph.nodes.items() if n != name}
    return Graph(nodes, edges, graph.dt)


def sole_producer(graph: Graph, name: str, kinds: Accept) -> str | None:
    """The node feeding ``name`` when it is the only input, has a zero-delay edge, is of
    one of ``kinds`` and feeds nothing else; None otherwise (then folding would change
    what other consumers see)."""
    incoming = graph.incoming(name)
    if len(incoming) != 1 or incoming[0].delay != 0:
        return None
    src = incoming[0].src
    if not accepts(kinds, graph.nodes[src]) or len(graph.outgoing(src)) != 1:
        return None
    return src


def sole_consumer(graph: Graph, name: str, kinds: Accept) -> str | None:
    """The node ``name`` feeds when that is its only outgoing edge (zero delay), of one of
    ``kinds``, and ``name`` is that node's only input; None otherwise."""
    outgoing = graph.outgoing(name)
    if len(outgoing) != 1 or outgoing[0].delay != 0:
        return None
    dst = outgoing[0].dst
    if not accepts(kinds, graph.nodes[dst]) or len(graph.incoming(dst)) != 1:
        return None
    return dst


def node_of(graph: Graph, name: str, cls: type[N]) -> N:
    """``graph.nodes[name]``, checked to be a ``cls`` (typed access for passes)."""
    node = graph.nodes[name]
    if not isinstance(node, cls):
        raise GraphError(f"node '{name}' is a {node.kind}, expected {cls.__name__}")
    return node


def insert_after(graph: Graph, name: str, new_name: str, node: Node) -> Graph:
    """A copy of ``graph`` with ``node`` (named ``new_name``) between ``name`` and every
    node ``name`` fed: ``name`` feeds ``new_name`` alone, which takes over its edges."""
    edges = [e.replace(src=new_name) if e.src == name else e for e in graph.edges]
    nodes = dict(graph.nodes)
    nodes[new_name] = node
    return Graph(nodes, [*edges, Edge(name, new_name)], graph.dt)


def unique_name(graph: Graph, base: str) -> str:
    """``base``, or ``base_1``, ``base_2``, ... : the first name ``graph`` does not use."""
    name, k = base, 0
    while name in graph.nodes:
        k += 1
        name = f"{base}_{k}"
    return name


def insert_before(graph: Graph, name: str, new_name: str, node: Node) -> Graph:
    """A copy of ``graph`` with ``node`` (named ``new_name``) taking over every edge into
    ``name`` and feeding ``name`` alone."""
    edges = [e.replace(dst=new_name) if e.dst == name else e for e in graph.edges]
    nodes = dict(graph.nodes)
    nodes[new_name] = node
    return Graph(nodes, [*edges, Edge(new_name, name)], graph.dt)

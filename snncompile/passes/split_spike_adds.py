"""split_spike_adds: a synapse fed by a sum of spike trains becomes one synapse per term.

A residual ``x = a + b`` of two spike trains is no spike train (its values are 0, 1, 2),
so no core can send it; but a synapse is linear, so the synapse that reads it can read
each term instead, all into the same neurons (whose input is the sum of their incoming
edges)::

    W (a + b) + β  =  (W a + β) + (W b)

Sums nest (``(a + b) + c``, SEW-style residual chains) and may pass through views that
only move elements (Flatten, Reshape, Permute): each term gets its own copy of the views,
shared by every synapse that reads the same term. The first copy keeps the synapse's
name and its bias; the others are ``NAME.termK`` without bias. Exact in real arithmetic
(in float, up to the rounding of the sum's order). A sum with a real-valued term, or a
synapse whose output feeds an ordered operand, is left in place; a sum that still feeds
something else (the next residual, a readout) stays for that consumer.
"""

from __future__ import annotations

from dataclasses import dataclass

from snncompile.ir import Add, Edge, Graph, is_spike_train
from snncompile.ir.host_tensor import Permute, Reshape
from snncompile.ir.ops import Flatten
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.rewrite import unique_name

VIEWS = (Permute, Flatten, Reshape)


@dataclass(frozen=True)
class Term:
    """A spike train ``source`` that reaches the sum ``delay`` steps later through
    ``views`` (names of the original view nodes, source side first)."""

    source: str
    delay: int
    views: tuple[str, ...] = ()


def split_spike_adds(graph: Graph) -> Graph:
    shared: dict[Term, str] = {}  # term -> the node that carries it, views applied
    for name, node in list(graph.nodes.items()):
        if not is_float_synapse(node):
            continue
        incoming = graph.incoming(name)
        if len(incoming) != 1 or any(e.port for e in graph.outgoing(name)):
            continue
        terms = _terms(graph, incoming[0].src)
        if terms is None or len(terms) < 2:
            continue
        graph = _split(graph, name, incoming[0], terms, shared)
    return _drop_unused(graph)


def _terms(graph: Graph, name: str, views: tuple[str, ...] = ()) -> list[Term] | None:
    """The spike trains whose sum ``name`` is (seen through ``views``), or None when it
    is not a sum of spike trains."""
    node = graph.nodes[name]
    incoming = graph.incoming(name)
    if isinstance(node, VIEWS) and len(incoming) == 1 and incoming[0].delay == 0:
        return _terms(graph, incoming[0].src, (name, *views))
    if not isinstance(node, Add) or len(incoming) < 2:
        return None
    terms: list[Term] = []
    for e in incoming:
        if e.port:
            return None
        if is_spike_train(graph, e.src):
            terms.append(Term(e.src, e.delay, views))
            continue
        inner = _terms(graph, e.src, views)
        if inner is None:
            return None
        terms += [Term(t.source, t.delay + e.delay, t.views) for t in inner]
    return terms


def _split(graph: Graph, name: str, feed: Edge, terms: list[Term], shared: dict[Term, str]) -> Graph:
    out = graph.copy()
    syn = graph.nodes[name]
    out.edges = [e for e in out.edges if e != feed]
    consumers = graph.outgoing(name)
    for k, term in enumerate(terms):
        copy_name = name if k == 0 else unique_name(out, f"{name}.term{k}")
        if k:
            out.add(copy_name, syn.replace(bias=None))  # type: ignore[call-arg]
            for e in consumers:
                out.edges.append(e.replace(src=copy_name))
        src = _viewed(out, term, shared)
        out.connect(src, copy_name, delay=feed.delay + (term.delay if not term.views else 0))
    return out


def _viewed(graph: Graph, term: Term, shared: dict[Term, str]) -> str:
    """The node that outputs ``term.source`` through copies of ``term.views`` (made once
    per term and reused); mutates ``graph``. A term's delay sits on the edge into its
    first view copy, or on the synapse's input edge when it has no views."""
    if not term.views:
        return term.source
    if term in shared:
        return shared[term]
    src, delay = term.source, term.delay
    for view in term.views:
        copy_name = unique_name(graph, f"{view}.{term.source}")
        graph.add(copy_name, graph.nodes[view].replace())
        graph.connect(src, copy_name, delay=delay)
        src, delay = copy_name, 0
    shared[term] = src
    return src


def _drop_unused(graph: Graph) -> Graph:
    """Remove the sums and views that no longer feed anything (their terms stay)."""
    out = graph
    while True:
        dead = [n for n, node in out.nodes.items()
                if isinstance(node, (Add, *VIEWS)) and not out.outgoing(n)]
        if not dead:
            return out
        out = Graph({n: node for n, node in out.nodes.items() if n not in dead},
                    [e for e in out.edges if e.dst not in dead], out.dt)

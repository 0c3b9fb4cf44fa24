"""merge_delay_branches: the inverse of :mod:`.expand_synapse_delays` — parallel synapses
that reach the same consumer at different delays become one synapse with per-synapse
delays.

A *branch* is a float synapse whose only output goes, over an edge of delay ``e`` (or
through a Delay node of one uniform delay ``d`` between edges: ``e = e1 + d + e2``), to
a consumer ``y``. Branches of the same kind and shape, with the same inputs, the same
consumer and port, and weights on disjoint synapses (each weight nonzero in at most one
branch) are the Σ_k Delay_{d_k}(W_k x) form of one synapse::

    sum_k (W_k ⊛ x)[t - e_k]  ==  (W ⊛_D x)[t - e_min]     W = sum_k W_k,
                                                            D = D_k + e_k - e_min on W_k's synapses

(``D_k`` a branch's own per-synapse delays, 0 when it has none). Biases may sit only on
branches with ``e_k = e_min`` (a bias is never delayed). A group merges when its
branches reach ``y`` at two or more different delays; ``hinted`` (branch -> (synapse
name, its delay share ``d_k``), what :func:`~snncompile.interop.nir.write_nir` records)
also merges a group of one and fixes the shares and the name. The merged synapse takes
the first branch's name (or the hinted one) and place; everything else is left as it is.
Exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile.ir import Delay, Edge, Graph, Node
from snncompile.ir.synapse import is_float_synapse


@dataclass(frozen=True)
class Branch:
    name: str
    dst: str
    port: str
    delay: int  # steps from the branch's output to the consumer
    between: tuple[str, ...]  # Delay nodes on the way (removed by the merge)


def merge_delay_branches(graph: Graph, hinted: Mapping[str, tuple[str, int]] | None = None) -> Graph:
    hinted = hinted or {}
    groups: dict[Any, list[Branch]] = {}
    for name, node in graph.items():
        branch = _branch(graph, name, node)
        if branch is not None:
            groups.setdefault(_key(graph, branch, node, hinted), []).append(branch)
    for members in groups.values():
        merged = _merged(graph, members, hinted)
        if merged is not None:
            graph = _rewire(graph, members, *merged)
    return graph


def _branch(graph: Graph, name: str, node: Node) -> Branch | None:
    if not is_float_synapse(node):
        return None
    outs = graph.outgoing(name)
    if len(outs) != 1 or not graph.incoming(name):
        return None
    (edge,) = outs
    delay, between = edge.delay, []
    while isinstance(graph.nodes[edge.dst], Delay):  # a uniform Delay node on the way counts as edge delay
        steps = np.unique(graph.nodes[edge.dst].delay)  # type: ignore[attr-defined]
        nexts = graph.outgoing(edge.dst)
        if len(steps) != 1 or len(graph.incoming(edge.dst)) != 1 or len(nexts) != 1:
            return None
        between.append(edge.dst)
        edge = nexts[0]
        delay += int(steps[0]) + edge.delay
    return Branch(name, edge.dst, edge.port, delay, tuple(between))


def _key(graph: Graph, branch: Branch, node: Any, hinted: Mapping[str, tuple[str, int]]) -> Any:
    inputs = tuple(sorted((e.src, e.delay, e.port) for e in graph.incoming(branch.name)))
    conv = tuple(sorted(node.conv_arguments().items())) if node.operator != "linear" else ()
    return (type(node), node.weight.shape, conv, inputs, branch.dst, branch.port,
            hinted[branch.name][0] if branch.name in hinted else None)


def _merged(graph: Graph, members: list[Branch], hinted: Mapping[str, tuple[str, int]]) -> tuple[Node, str, int] | None:
    """(merged node, its name, its edge delay) or None when the group does not merge."""
    named = [m for m in members if m.name in hinted]
    if named and len(named) != len(members):
        return None
    low = min(m.delay for m in members)
    shares = [hinted[m.name][1] if named else m.delay - low for m in members]
    base = {m.delay - s for m, s in zip(members, shares)}
    if len(base) != 1 or min(shares) < 0 or (not named and len(set(shares)) < 2):
        return None
    nodes: list[Any] = [graph.nodes[m.name] for m in members]
    supports = [n.weight != 0 for n in nodes]
    if np.any(np.sum(supports, axis=0) > 1):
        return None  # two taps on one synapse: no single delay per synapse
    if any(n.synapse_bias() is not None and np.any(n.synapse_bias()) and s > 0 for n, s in zip(nodes, shares)):
        return None  # a delayed bias is not a synapse bias
    weight = np.sum([n.weight for n in nodes], axis=0)
    delays = np.zeros(weight.shape, np.int64)
    for n, share, support in zip(nodes, shares, supports):
        own = n.synapse_delays()
        delays[support] = np.broadcast_to(share + (0 if own is None else own), weight.shape)[support]
    biases = [n.synapse_bias() for n in nodes if n.synapse_bias() is not None]
    bias = np.sum(biases, axis=0) if biases else None
    name = hinted[members[0].name][0] if named else members[0].name
    node = nodes[0].replace(weight=weight, bias=bias, delays=delays if delays.any() else None)
    return node, name, base.pop()


def _rewire(graph: Graph, members: list[Branch], node: Node, name: str, delay: int) -> Graph:
    first = members[0]
    gone = {m.name for m in members} | {d for m in members for d in m.between}
    nodes: dict[str, Node] = {}
    for n, old in graph.items():
        if n == first.name:
            nodes[name] = node
        elif n not in gone:
            nodes[n] = old
    edges = [e.replace(dst=name) for e in graph.incoming(first.name)]
    edges += [e for e in graph.edges if e.src not in gone and e.dst not in gone]
    edges.append(Edge(name, first.dst, delay, first.port))
    return Graph(nodes, edges, graph.dt)

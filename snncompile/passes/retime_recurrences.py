"""retime_recurrences: give every recurrence the steps of delay a chip's synapses need.

A chip delivers a spike through each *synapse stage* (a synapse feeding a neuron) ``L``
steps later (Loihi: 1); the float graph computes a chain of zero-delay edges within one
step. A *retiming* (Leiserson & Saxe, 1991) gives every node a lag ``r >= 0`` (the steps
it trails the float graph) and every edge the delay ``d' = d + r_dst - r_src``; it keeps
the graph's meaning (each node's values shifted by its lag) when every edge still has

    d' >= w,   w = L on a synapse stage, 0 elsewhere.

Around a cycle the lags cancel (``sum d' = sum d``), so a retiming exists iff every
cycle has at least as many steps of delay as synapse stages: ``sum d >= sum w``.
:func:`solve_lags` finds the smallest lags by longest paths (Bellman-Ford) over the
constraints ``r_dst >= r_src + w - d`` on edges inside a strongly connected component
(there the delay may move) and ``r_dst >= r_src + w`` on feed-forward edges (their delay
stays a delay, the latency comes on top, as the quantizer has always timed them).

A cycle short by ``k = sum w - sum d`` steps (the L2MU's ``u -> m -> e_m -> u``: two
synapse stages, one step of delay) has no meaning-preserving timing on such a chip.
:func:`retime_recurrences` makes the only possible change explicit in the float graph:
the cycle's *back edge* (its delayed edge that goes backwards in step order; of several,
the one whose source comes last) gets the ``k`` missing steps, until no cycle is short.
The feedback then arrives ``k`` steps staler, a new float model whose meaning the
compiled graph keeps exactly; :func:`timing_changes` lists what changed (for reports),
and its effect must be measured (docs/l2mu.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from snncompile.errors import UnsupportedError
from snncompile.ir import Edge, Graph, NeuronNode
from snncompile.ir.host_tensor import FLAT_VIEWS
from snncompile.ir.synapse import Synapse

Weight = Callable[[Edge], int]

#: cycles fixed at most (each fix closes one short cycle; real graphs need a handful)
MAX_FIXES = 10_000


@dataclass(frozen=True)
class TimingChange:
    """Edge ``src -> dst`` (at ``port``) carries its value ``after - before`` steps later."""

    src: str
    dst: str
    before: int
    after: int
    port: str = ""

    def describe(self) -> str:
        return (f"edge {self.src} -> {self.dst}: delay {self.before} -> {self.after} "
                f"(its values arrive {self.after - self.before} step(s) later than in the float model)")


def stage_weight(graph: Graph, latency: int) -> Weight:
    """``w`` of a float graph: ``latency`` on a synapse feeding a neuron (directly or
    through a flat view of its output), 0 elsewhere."""

    def weight(e: Edge) -> int:
        dst = graph.nodes[e.dst]
        stage = isinstance(graph.nodes[e.src], Synapse) and isinstance(dst, (NeuronNode, *FLAT_VIEWS))
        return latency if stage else 0

    return weight


def recurrent_edges(graph: Graph) -> set[int]:
    """Indices (into ``graph.edges``) of the edges inside a strongly connected component."""
    g = nx.DiGraph((e.src, e.dst) for e in graph.edges)
    component = {n: i for i, names in enumerate(nx.strongly_connected_components(g)) for n in names}
    return {i for i, e in enumerate(graph.edges) if component[e.src] == component[e.dst]}


def solve_lags(graph: Graph, weight: Weight) -> dict[str, int] | None:
    """The smallest lags ``r >= 0`` meeting every edge's constraint (module docstring),
    or None when a cycle has fewer steps of delay than ``weight`` asks for."""
    order = graph.step_order()
    inner = recurrent_edges(graph)
    bound = [(e.src, e.dst, weight(e) - (e.delay if i in inner else 0)) for i, e in enumerate(graph.edges)]
    into: dict[str, list[tuple[str, int]]] = {n: [] for n in order}
    for src, dst, gap in bound:
        into[dst].append((src, gap))
    lags = dict.fromkeys(order, 0)
    for _ in range(len(order) + 1):
        changed = False
        for name in order:
            lag = max([lags[name]] + [lags[src] + gap for src, gap in into[name]])
            if lag != lags[name]:
                lags[name], changed = lag, True
        if not changed:
            return lags
    return None


def short_cycle(graph: Graph, weight: Weight) -> tuple[list[int], int] | None:
    """One cycle with fewer steps of delay than ``weight`` asks for, as indices into
    ``graph.edges``, and how many steps it lacks; None when every cycle is long enough."""
    slack = nx.DiGraph()
    tightest: dict[tuple[str, str], int] = {}  # of parallel edges, the one with least slack
    for i, e in enumerate(graph.edges):
        s = e.delay - weight(e)
        if not slack.has_edge(e.src, e.dst) or s < slack[e.src][e.dst]["weight"]:
            slack.add_edge(e.src, e.dst, weight=s)
            tightest[(e.src, e.dst)] = i
    for component in nx.strongly_connected_components(slack):
        first = min(component)
        if len(component) == 1 and not slack.has_edge(first, first):
            continue
        try:
            cycle = nx.find_negative_cycle(slack.subgraph(component), first)
        except nx.NetworkXError:  # every cycle of this component is long enough
            continue
        indices = [tightest[(a, b)] for a, b in zip(cycle, cycle[1:])]
        return indices, -sum(slack[a][b]["weight"] for a, b in zip(cycle, cycle[1:]))
    return None


def _back_edge(graph: Graph, cycle: list[int]) -> int:
    """The cycle's delayed edge going backwards in step order whose source comes last."""
    position = {n: i for i, n in enumerate(graph.step_order())}
    back = [i for i in cycle if position[graph.edges[i].src] >= position[graph.edges[i].dst]]
    return max(back, key=lambda i: position[graph.edges[i].src])


def retime_recurrences(graph: Graph, latency: int = 1) -> Graph:
    """``graph`` with every short cycle's back edge lengthened by the steps it lacks
    (module docstring); the graph itself when no cycle is short (nothing to change)."""
    weight = stage_weight(graph, latency)
    current = graph
    for _ in range(MAX_FIXES):
        found = short_cycle(current, weight)
        if found is None:
            return current
        cycle, missing = found
        back = _back_edge(current, cycle)
        edges = list(current.edges)
        edges[back] = edges[back].replace(delay=edges[back].delay + missing)
        current = Graph(dict(graph.nodes), edges, graph.dt)
    raise UnsupportedError(f"retime_recurrences: cycles still short of delay after {MAX_FIXES} fixes")


def timing_changes(before: Graph, after: Graph) -> list[TimingChange]:
    """The edges whose delay differs between two graphs with the same edges in order."""
    return [TimingChange(a.src, a.dst, a.delay, b.delay, a.port)
            for a, b in zip(before.edges, after.edges) if a.delay != b.delay]

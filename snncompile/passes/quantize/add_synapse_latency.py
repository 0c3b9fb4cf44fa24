"""add_synapse_latency: write the target's per-synapse-stage latency into edge delays.

The float graph computes a whole feed-forward chain within one step; the chip delivers a
spike through each synapse stage ``L`` steps later (``spec.synapse_latency``; Lava: 1).
Each node gets a *lag* ``k`` — the steps by which the fixed graph trails the float one
at that node: inputs 0; a neuron ``max(k_synapse + L)`` over its forward synapses;
other nodes ``max(k_src)`` over forward edges; inside a loop a node may trail its
source by less, as far as the loop's delay allows (``k_dst >= k_src + L - delay``, the
retiming of :mod:`snncompile.passes.retime_recurrences`: a loop keeps its total delay,
moved to where the chip needs it). Every edge then gets ``delay' = delay + k_dst -
k_src``: forward paths of different depth are re-aligned with extra delay (so converging
paths meet as in float), and a recurrent edge keeps its float delay when it closes a
loop within one layer. A loop whose synapse stages need more steps than its delays give
cannot be timed like the float graph (no retiming exists: compile with ``retime`` or run
it on the host); its back edges get ``L`` (reported by :func:`timing_problems`).
Outputs therefore trail the float outputs by ``k_output``.
A loop through a chip neuron and back over the host (BackEISNN's self-feedback: neuron ->
host gate -> entry synapse, one step of delay) spends its delay on the synapse stage.

A synapse fed by the graph's inputs may have its own latency ``L_in``
(``spec.input_steps``; Xylo delivers input spikes within the step, ``L_in = 0``, and
hidden spikes one step later, ``L = 1``); ``input_latency=None`` means ``L``.
"""

from __future__ import annotations

from collections.abc import Callable

from snncompile.ir import Edge, Graph, Input
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.host_tensor import FLAT_VIEWS
from snncompile.ir.synapse import is_integer_synapse
from snncompile.passes.retime_recurrences import solve_lags


def _is_synapse_edge(graph: Graph, e: Edge) -> bool:
    """An edge out of an integer synapse: into a neuron, or into a flat view of its output
    (a dense form's Reshape) on the way to one — the synapse stage's latency goes here."""
    return is_integer_synapse(graph.nodes[e.src]) and (
        isinstance(graph.nodes[e.dst], FixedLIF) or isinstance(graph.nodes[e.dst], FLAT_VIEWS))


def edge_latency(graph: Graph, e: Edge, latency: int, input_latency: int | None) -> int:
    """The latency the chip adds on edge ``e`` (0 unless it leaves a synapse)."""
    if not _is_synapse_edge(graph, e):
        return 0
    if input_latency is not None and graph.incoming(e.src) and \
            all(isinstance(graph.nodes[i.src], Input) for i in graph.incoming(e.src)):
        return input_latency
    return latency


def node_lags(graph: Graph, latency: int, input_latency: int | None = None) -> dict[str, int]:
    """Lag per node (see module docstring): the smallest retiming
    (:func:`~snncompile.passes.retime_recurrences.solve_lags`); when a loop's chip neurons
    need more steps than its delays give, the lags of the forward edges alone (the short
    back edges are reported by :func:`timing_problems`)."""
    def weight(e: Edge) -> int:
        return edge_latency(graph, e, latency, input_latency)

    lags = solve_lags(graph, weight)
    return lags if lags is not None else _forward_lags(graph, weight)


def _forward_lags(graph: Graph, weight: Callable[[Edge], int]) -> dict[str, int]:
    order = graph.step_order()
    position = {n: i for i, n in enumerate(order)}
    lags: dict[str, int] = {}
    for name in order:
        lags[name] = max([0] + [lags[e.src] + weight(e) for e in graph.incoming(name) if position[e.src] < position[name]])
    return lags


def _new_delay(graph: Graph, e: Edge, lags: dict[str, int], latency: int, input_latency: int | None) -> int:
    return max(e.delay + lags[e.dst] - lags[e.src], edge_latency(graph, e, latency, input_latency))


def timing_problems(graph: Graph, latency: int, input_latency: int | None = None) -> list[str]:
    """Edges of the *float-timed* fixed graph whose float timing cannot be kept."""
    lags = node_lags(graph, latency, input_latency)
    out = []
    for e in graph.edges:
        wanted = e.delay + lags[e.dst] - lags[e.src]
        needed = edge_latency(graph, e, latency, input_latency)
        if wanted < needed:
            out.append(f"edge {e.src} -> {e.dst} would need delay {wanted} but the chip needs >= {needed}")
    return out


def add_synapse_latency(graph: Graph, latency: int, input_latency: int | None = None) -> Graph:
    lags = node_lags(graph, latency, input_latency)
    edges = [e.replace(delay=_new_delay(graph, e, lags, latency, input_latency)) for e in graph.edges]
    return Graph(dict(graph.nodes), edges, graph.dt)

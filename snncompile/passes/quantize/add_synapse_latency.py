"""add_synapse_latency: write the target's per-synapse-stage latency into edge delays.

The float graph computes a whole feed-forward chain within one step; the chip delivers a
spike through each synapse stage ``L`` steps later (``spec.synapse_latency``; Lava: 1).
Each node gets a *lag* ``k`` — the steps by which the fixed graph trails the float one
at that node: inputs 0; a neuron ``max(k_synapse + L)`` over its forward synapses;
other nodes ``max(k_src)`` over forward edges; and a node fed through a back edge
(a recurrence) of delay ``d`` trails at least ``k_src + l - d`` (``l`` the edge's own
latency, ``L`` out of a chip synapse, else 0): the loop's delay may absorb the
latency of the stages on it. Every edge then gets ``delay' = delay + k_dst - k_src``:
forward paths of different depth are re-aligned with extra delay (so converging paths
meet as in float), and around any loop the delays still add up to the float ones (the
lags cancel), so a recurrence keeps its timing: a loop whose nodes add no latency (a
host segment's) keeps one lag all round, and a loop through a chip neuron and back
over the host (BackEISNN's self-feedback: neuron -> host gate -> entry synapse, one
step of delay) spends its delay on the synapse stage. A loop whose stages need more
steps than its delays give cannot be timed like the float graph: its lags grow on every
pass, and an edge that would need less than ``L`` (or 0) steps gets that minimum
(reported by :func:`timing_problems`). Outputs therefore trail the float outputs by
``k_output``.

A synapse fed by the graph's inputs may have its own latency ``L_in``
(``spec.input_steps``; Xylo delivers input spikes within the step, ``L_in = 0``, and
hidden spikes one step later, ``L = 1``); ``input_latency=None`` means ``L``.
"""

from __future__ import annotations

from snncompile.ir import Edge, Graph, Input
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.host_tensor import FLAT_VIEWS
from snncompile.ir.synapse import is_integer_synapse


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
    """Lag per node (see module docstring): forward edges add their latency, back edges
    their latency less their delay; repeated until nothing changes (a loop whose stages
    need more steps than its delays give is reported by :func:`timing_problems`)."""
    order = graph.step_order()
    position = {n: i for i, n in enumerate(order)}
    lags: dict[str, int] = dict.fromkeys(order, 0)
    for _ in range(len(order) + 1):
        changed = False
        for name in order:
            lag = lags[name]
            for e in graph.incoming(name):
                own = edge_latency(graph, e, latency, input_latency)
                forward = position[e.src] < position[name]
                lag = max(lag, lags[e.src] + own - (0 if forward else e.delay))
            if lag != lags[name]:
                lags[name], changed = lag, True
        if not changed:
            break
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

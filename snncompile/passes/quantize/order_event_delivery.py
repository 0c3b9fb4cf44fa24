"""order_event_delivery: list each saturating neuron's synapses in the order the chip
delivers their events.

Where synaptic events saturate one at a time (``current_overflow="saturate"``, Xylo), the
order of the events is part of the result, and the compiled graph states it: a neuron
applies its incoming edges in the order the graph lists them (see
:class:`~snncompile.ir.fixed.FixedLIF`). Xylo delivers a step's input spikes first (by
channel), then the hidden neurons' spikes of the previous step (by neuron index: hidden
populations in graph order). This pass reorders each such neuron's incoming edges
accordingly — synapses fed by graph inputs first, then synapses by the graph position of
the population they read — and leaves every other edge where it was. Nothing else
changes: the float graph's sum does not depend on the order.
"""

from __future__ import annotations

from snncompile.ir import Edge, Graph, Input
from snncompile.ir.arithmetic import Overflow
from snncompile.ir.fixed import FixedLIF


def _rank(graph: Graph, e: Edge, position: dict[str, int]) -> tuple[int, int]:
    """(0, input position) for a synapse read from a graph input, else (1, position of
    the population it reads); an edge from anything else keeps its place at the end."""
    sources = [i.src for i in graph.incoming(e.src)]
    if sources and all(isinstance(graph.nodes[s], Input) for s in sources):
        return 0, min(position[s] for s in sources)
    return 1, min((position[s] for s in sources), default=len(position))


def order_event_delivery(graph: Graph) -> Graph:
    position = {n: i for i, n in enumerate(graph.nodes)}
    saturating = {n for n, node in graph.items()
                  if isinstance(node, FixedLIF) and node.current_overflow is Overflow.SATURATE}
    edges: list[Edge] = []
    done: set[str] = set()
    for e in graph.edges:
        if e.dst not in saturating:
            edges.append(e)
        elif e.dst not in done:
            done.add(e.dst)
            mine = [x for x in graph.edges if x.dst == e.dst]
            edges += sorted(mine, key=lambda x: _rank(graph, x, position))
    return Graph(dict(graph.nodes), edges, graph.dt)

"""mark_static: find what depends only on static inputs, so it can be computed once.

An ``Input`` with ``static=True`` (an image presented for T steps) gives the same value
every step, and so does every stateless node all of whose sources are static (or
``Constant``): such a node's output is the same at every step, so the host can compute it
once per sample and the chip can take it as a bias instead of a per-step input. This pass
only records that, ``meta["static"] = True``; the partition places those nodes on the host
and the estimates count their work once per sample. Neurons and delays are never static
(they have state), nor is anything behind a delayed edge.
"""

from __future__ import annotations

from snncompile.ir import Graph, Input
from snncompile.ir.placement import STATIC


def is_static_source(node) -> bool:
    """A static Input, or a source that is the same every step (a Constant; not a
    RandomSpikes, whose output changes from step to step)."""
    return (isinstance(node, Input) and node.static) or (node.source and not isinstance(node, Input)
                                                         and not node.stateful)


def mark_static(graph: Graph) -> Graph:
    static: set[str] = set()
    for name in graph.step_order():
        node = graph.nodes[name]
        incoming = graph.incoming(name)
        if is_static_source(node) or (
            incoming and not node.stateful
            and all(e.src in static and e.delay == 0 for e in incoming)
        ):
            static.add(name)
    if not any(isinstance(graph.nodes[n], Input) for n in static):
        return graph  # constants alone are not worth marking
    nodes = {n: node.with_meta(**{STATIC: True}) if n in static else node for n, node in graph.items()}
    return Graph(nodes, list(graph.edges), graph.dt)

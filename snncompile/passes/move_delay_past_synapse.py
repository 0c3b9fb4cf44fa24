"""move_delay_past_synapse: put a recurrent loop's step of delay after its synapse.

A delay commutes with a map that sends zero to zero and keeps no state: for a bias-free
Linear/Conv, Scale or Flatten node ``f``, ``f(x[t-1]) == (f x)[t-1]`` at every step,
including the first (both are zero there). So one step of delay may move from every
edge into such a node to every edge out of it without changing what any node computes.

Front ends delay the edge *into* a recurrent synapse (snnTorch applies the recurrent
bias at the first step, so that is where its delay belongs); NIR puts the implicit delay
on the edge *out of* it (the back edge of a walk from the inputs). ``to_nir`` uses this
pass to move the delay where NIR expects it whenever that is exact.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Conv1d, Conv2d, Flatten, Graph, Linear, Node, Scale


def sends_zero_to_zero(node: Node) -> bool:
    """True for stateless nodes with ``f(0) == 0`` (a bias of all zeros counts as none)."""
    if isinstance(node, (Linear, Conv1d, Conv2d)):
        return node.bias is None or not np.any(node.bias)
    return isinstance(node, (Scale, Flatten))


def move_delay_past_synapse(graph: Graph, name: str) -> Graph:
    """A copy of ``graph`` in which one step of delay moved from every edge into ``name`` to
    every edge out of it. Raises ValueError when that would change the graph's meaning."""
    if not sends_zero_to_zero(graph.nodes[name]):
        raise ValueError(f"node '{name}' ({graph.nodes[name].kind}) does not send zero to zero")
    incoming = graph.incoming(name)
    if not incoming or any(e.delay < 1 for e in incoming):
        raise ValueError(f"every edge into '{name}' needs a delay of at least one step")
    edges = []
    for e in graph.edges:
        if e.dst == name:
            e = e.replace(delay=e.delay - 1)
        if e.src == name:
            e = e.replace(delay=e.delay + 1)
        edges.append(e)
    return Graph(dict(graph.nodes), edges, graph.dt)

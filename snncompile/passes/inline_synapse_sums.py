"""inline_synapse_sums: a sum of synapse outputs feeding one node becomes that node's
fan-in.

Every node sums its incoming edges (the IR's convention), so for synapses ``s_k`` that
feed only an ``Add`` whose one consumer is ``y``::

    y <- Add(s_1, ..., s_n)     ==     y <- s_1, ..., y <- s_n

with each edge's delay the sum of the two it replaces. A neuron then sees its synapses
directly, which is what a chip core has (a temporal convolution with several taps per
synapse traces to one Linear per tap summed by an Add, see
:mod:`snncompile.frontends.torch.temporal`). Other sums are left in place. Exact.
"""

from __future__ import annotations

from snncompile.ir import Add, Graph
from snncompile.ir.synapse import is_float_synapse


def inline_synapse_sums(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if type(node) is not Add:
            continue
        ins, outs = graph.incoming(name), graph.outgoing(name)
        if len(outs) != 1 or not ins or not all(
                is_float_synapse(graph.nodes[e.src]) and len(graph.outgoing(e.src)) == 1 for e in ins):
            continue
        (out,) = outs
        edges = [e for e in graph.edges if name not in (e.src, e.dst)]
        edges += [e.replace(dst=out.dst, delay=e.delay + out.delay, port=out.port) for e in ins]
        graph = Graph({n: v for n, v in graph.nodes.items() if n != name}, edges, graph.dt)
    return graph

"""merge_adds_into_neurons: a sum that only feeds neurons is the neurons' own input.

A neuron's input is the sum of its incoming edges (the IR's convention), so an ``Add``
whose every consumer is a neuron that takes nothing else is redundant: its incoming
edges can go straight to those neurons. This is a ResNet's *membrane-add* residual
(Pipe-S's S-ResNet, SEW's ADD-before-the-neuron form)::

    v += conv2(s1) + shortcut(s0)      ->   two synapses into the same neurons

which a chip runs natively, where an ``Add`` node would have to run on the host.
Delays add up along the removed path (``a -d1-> add -d2-> n`` becomes ``a -(d1+d2)-> n``).
Exact, bit for bit: each neuron receives the same terms in the same order as the ``Add``
summed them. An ``Add`` feeding anything else (a synapse: see ``split_spike_adds``; a
host operation, an output, a neuron that also takes other inputs) stays.
"""

from __future__ import annotations

from snncompile.ir import Add, Graph, NeuronNode


def merge_adds_into_neurons(graph: Graph) -> Graph:
    for name in [n for n, node in graph.items() if isinstance(node, Add)]:
        if _only_feeds_neurons(graph, name):
            graph = _merge(graph, name)
    return graph


def _only_feeds_neurons(graph: Graph, name: str) -> bool:
    out = graph.outgoing(name)
    if not out or any(e.port for e in graph.incoming(name)):
        return False
    for e in out:
        if e.port or not isinstance(graph.nodes[e.dst], NeuronNode) or len(graph.incoming(e.dst)) != 1:
            return False
    return True


def _merge(graph: Graph, name: str) -> Graph:
    terms = graph.incoming(name)
    edges = []
    for e in graph.edges:
        if e.dst == name:
            continue
        if e.src == name:  # this neuron's one input: the Add's terms, in the Add's order
            edges += [t.replace(dst=e.dst, delay=t.delay + e.delay) for t in terms]
        else:
            edges.append(e)
    nodes = {n: node for n, node in graph.items() if n != name}
    return Graph(nodes, edges, graph.dt)

"""fold_batchnorm_into_neuron: an inference BatchNorm right before a neuron becomes the
neuron's gain and bias.

A BatchNorm is an elementwise affine map ``y = a x + c`` with, per channel (axis 0 of
the per-sample shape; the tokens of a (tokens, features) tensor as SpikMamba's patch
embedding normalises them) ``a = weight / sqrt(var + eps)``, ``c = bias - a mean``. Into a
neuron without current memory (LIF, IF, LI, Integrator), ``v = decay v + gain y + bias``
is exactly ``v = decay v + (gain a) x + (bias + gain c)``: the pass multiplies the
neuron's gain by ``a`` and adds ``gain c`` to its bias (both broadcast to the neuron's
shape). A neuron with a synaptic current would filter ``c`` (not a neuron bias): those,
and BatchNorms feeding anything else, are left in place.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import BatchNorm, Graph, NeuronNode
from snncompile.passes.rewrite import bypass, replace_node, sole_consumer


def affine(bn: BatchNorm, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(a, c) of ``y = a x + c``, broadcast to ``shape``."""
    view = (-1,) + (1,) * (len(shape) - 1)

    def channel(value: np.ndarray) -> np.ndarray:
        return np.broadcast_to(value.reshape(view) if value.ndim else value, shape)

    a = channel(bn.weight) / np.sqrt(channel(bn.var) + bn.eps)
    return a, channel(bn.bias) - a * channel(bn.mean)


def fold_batchnorm_into_neuron(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, BatchNorm):
            continue
        dst = sole_consumer(graph, name, (NeuronNode,))
        if dst is None:
            continue
        neuron = graph.nodes[dst]
        assert isinstance(neuron, NeuronNode)
        d = neuron.dynamics()
        if d.has_current or len(graph.incoming(dst)) != 1:
            continue
        a, c = affine(node, neuron.shape)
        gain = np.broadcast_to(d.gain, neuron.shape) * a
        bias = np.broadcast_to(d.bias, neuron.shape) + np.broadcast_to(d.gain, neuron.shape) * c
        graph = bypass(replace_node(graph, dst, neuron.replace(gain=gain.copy(), bias=bias.copy())), name)
    return graph

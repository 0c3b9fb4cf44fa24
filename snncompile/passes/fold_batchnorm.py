"""fold_batchnorm: merge an inference BatchNorm into the synapse that feeds it.

For a float synapse ``Linear/Conv (W, b) → BatchNorm`` with ``k = weight / sqrt(var + eps)`` per output
channel::

    W' = k · W          b' = k · (b - mean) + bias

which is exact (the same affine map). The BatchNorm's channel axis (axis 0 of the
per-sample shape) must be the synapse's output channel axis: a convolution's, or a
Linear's when its output is 1-D; a BatchNorm over the tokens of a Linear's (tokens,
features) output is not a per-output scaling of its weights (see
:mod:`snncompile.passes.fold_batchnorm_into_neuron`). Any other BatchNorm is left in
place; the quantizer then reports it by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.ir import BatchNorm, Graph
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.rewrite import bypass, replace_node, sole_producer


def fold_batchnorm(graph: Graph) -> Graph:
    shapes = graph.infer_shapes()
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, BatchNorm):
            continue
        src = sole_producer(graph, name, is_float_synapse)
        if src is None:
            continue
        syn: Any = graph.nodes[src]
        if syn.operator == "linear" and len(shapes[src]) > 1:
            continue  # normalises tokens, not the Linear's output features
        out_channels = syn.weight.shape[0]
        k = np.broadcast_to(node.weight / np.sqrt(node.var + node.eps), (out_channels,))
        mean = np.broadcast_to(node.mean, (out_channels,))
        beta = np.broadcast_to(node.bias, (out_channels,))
        view = (-1,) + (1,) * (syn.weight.ndim - 1)
        bias = syn.bias if syn.bias is not None else np.zeros(out_channels)
        folded = syn.replace(weight=syn.weight * k.reshape(view), bias=k * (bias - mean) + beta)
        graph = bypass(replace_node(graph, src, folded), name)
    return graph

"""fold_batchnorm: merge an inference BatchNorm into the synapse that feeds it.

For a float synapse ``Linear/Conv (W, b) → BatchNorm`` with ``k = weight / sqrt(var + eps)`` per output
channel::

    W' = k · W          b' = k · (b - mean) + bias

which is exact (the same affine map). A BatchNorm with any other producer is left in
place; the quantizer then reports it by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.ir import BatchNorm, Graph
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.rewrite import bypass, replace_node, sole_producer


def fold_batchnorm(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, BatchNorm):
            continue
        src = sole_producer(graph, name, is_float_synapse)
        if src is None:
            continue
        syn: Any = graph.nodes[src]
        out_channels = syn.weight.shape[0]
        k = np.broadcast_to(node.weight / np.sqrt(node.var + node.eps), (out_channels,))
        mean = np.broadcast_to(node.mean, (out_channels,))
        beta = np.broadcast_to(node.bias, (out_channels,))
        view = (-1,) + (1,) * (syn.weight.ndim - 1)
        bias = syn.bias if syn.bias is not None else np.zeros(out_channels)
        folded = syn.replace(weight=syn.weight * k.reshape(view), bias=k * (bias - mean) + beta)
        graph = bypass(replace_node(graph, src, folded), name)
    return graph

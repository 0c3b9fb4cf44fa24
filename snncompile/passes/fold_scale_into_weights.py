"""fold_scale_into_weights: merge a ``Scale`` node into a neighbouring Linear/Conv.

- ``Linear/Conv → Scale``: ``W' = s · W``, ``b' = s · b`` with ``s`` per output element
  (it must be constant over a conv's spatial axes);
- ``Scale → Linear``: ``W' = W · s`` with ``s`` per input feature (exact; not done for
  convolutions, where zero padding would not be scaled the same way).

A Scale that cannot be folded is left in place (the quantizer names it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.ir import Graph, Linear, Scale
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.rewrite import bypass, node_of, replace_node, sole_consumer, sole_producer


def _per_output(scale: np.ndarray, out_shape: tuple[int, ...]) -> np.ndarray | None:
    """``scale`` as one value per output channel (axis 0; the last axis for Linear),
    or None when it varies along other axes."""
    full = np.broadcast_to(scale, out_shape)
    if len(out_shape) == 1:
        return np.array(full)
    channel = full.reshape(out_shape[0], -1)
    if not np.all(channel == channel[:, :1]):
        return None
    return channel[:, 0].copy()


def fold_scale_into_weights(graph: Graph) -> Graph:
    shapes = graph.infer_shapes()
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, Scale):
            continue
        src = sole_producer(graph, name, is_float_synapse)
        if src is not None:
            syn: Any = graph.nodes[src]
            if isinstance(syn, Linear) and len(shapes[src]) != 1:
                continue  # batched leading axes: scale may vary along them
            s = _per_output(node.scale, shapes[src])
            if s is None:
                continue
            view = (-1,) + (1,) * (syn.weight.ndim - 1)
            bias = None if syn.bias is None else syn.bias * s
            graph = bypass(replace_node(graph, src, syn.replace(weight=syn.weight * s.reshape(view), bias=bias)), name)
            shapes = graph.infer_shapes()
            continue
        dst = sole_consumer(graph, name, (Linear,))
        if dst is not None and len(graph.input_shape(name, shapes)) == 1:
            syn = node_of(graph, dst, Linear)
            s = np.broadcast_to(node.scale, (syn.weight.shape[1],))
            graph = bypass(replace_node(graph, dst, syn.replace(weight=syn.weight * s[None, :])), name)
            shapes = graph.infer_shapes()
    return graph

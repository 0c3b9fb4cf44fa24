"""fold_scale_into_weights: merge a ``Scale`` node into a neighbouring Linear/Conv.

- ``Linear/Conv → Scale``: ``W' = s · W``, ``b' = s · b`` with ``s`` per output element
  (it must be constant over a conv's spatial axes);
- ``Scale → Linear``: ``W' = W · s`` with ``s`` per input feature (exact);
- ``Scale → Flatten → Linear``: the same with ``s`` flattened like the input;
- ``Scale → Conv``: ``W'[:, c] = W[:, c] · s_c`` when ``s`` is one value per input
  channel (a single value for grouped convolutions): exact, since zero padding scales to
  zero too (a scale varying over the spatial axes is left: it would not commute with the
  kernel's sliding).

A converted ANN (:mod:`snncompile.convert`) needs the last two: its spiking layers emit
``lambda · s``, and a pool folded into the next conv or Linear puts that Scale before it.

A Scale that cannot be folded is left in place (the quantizer names it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.ir import Conv1d, Conv2d, Conv3d, Flatten, Graph, Linear, Scale
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
        folded = _fold_into_consumer(graph, name, node, shapes)
        if folded is not None:
            graph = folded
            shapes = graph.infer_shapes()
    return graph


def _fold_into_consumer(graph: Graph, name: str, node: Scale, shapes: dict) -> Graph | None:
    """``Scale → Linear``, ``Scale → Flatten → Linear`` or ``Scale → Conv`` folded, or
    None (module docstring)."""
    in_shape = tuple(shapes[name])
    dst = sole_consumer(graph, name, (Linear,))
    if dst is not None and len(in_shape) == 1:
        syn = node_of(graph, dst, Linear)
        s = np.broadcast_to(node.scale, (syn.weight.shape[1],))
        return bypass(replace_node(graph, dst, syn.replace(weight=syn.weight * s[None, :])), name)
    flat = sole_consumer(graph, name, (Flatten,))
    linear = sole_consumer(graph, flat, (Linear,)) if flat is not None else None
    if flat is not None and linear is not None and len(shapes[flat]) == 1:
        syn = node_of(graph, linear, Linear)
        s = np.broadcast_to(node.scale, in_shape).reshape(-1)
        return bypass(replace_node(graph, linear, syn.replace(weight=syn.weight * s[None, :])), name)
    dst = sole_consumer(graph, name, (Conv1d, Conv2d, Conv3d))
    if dst is None or len(in_shape) < 2:
        return None
    conv: Any = graph.nodes[dst]
    per_channel = _per_output(node.scale, in_shape)  # one value per input channel (axis 0), or None
    if per_channel is None or (conv.groups != 1 and not np.all(per_channel == per_channel[0])):
        return None
    view = (1, -1) + (1,) * (conv.weight.ndim - 2)
    factor = per_channel[0] if conv.groups != 1 else per_channel.reshape(view)
    return bypass(replace_node(graph, dst, conv.replace(weight=conv.weight * factor)), name)

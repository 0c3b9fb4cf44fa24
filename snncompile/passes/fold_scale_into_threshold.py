"""fold_scale_into_threshold: merge a positive ``Scale`` into the spiking neurons it feeds.

A spiking neuron's membrane is linear in its input (LIF, IF, CubaLIF: see
:class:`snncompile.ir.neurons.Dynamics`), so feeding it ``s · x`` (``s > 0``) gives the
membrane ``s · v`` of the neuron fed ``x`` with bias ``b / s``; its spike test
``s · v > θ`` is ``v > θ / s``, and both resets keep the scaling (reset to ``v_reset`` is
``v_reset / s``; subtracting ``θ`` is subtracting ``θ / s``)::

    LIF(θ, b, v_reset) ∘ Scale(s)  =  LIF(θ / s, b / s, v_reset / s)      (spikes)

Exact in real arithmetic; exact in float too when ``s`` is a power of two (Spikformer's
attention scale 0.125 or 0.25). The neuron's membrane (not its output) is rescaled by
``1 / s``. Between the Scale and the neuron there may be views that only move elements
(Permute, Flatten, Reshape), each with one input and one consumer, when ``s`` is one
number; a per-element ``s`` folds only into a neuron it feeds directly.

Done where :mod:`fold_scale_into_weights` could not (a Scale after a host product, such
as Q·Kᵀ·V, has no synapse to fold into). A Scale that is not positive, or that feeds
anything else, is left in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.ir import Graph, Scale, SpikingNeuron
from snncompile.ir.host_tensor import Permute, Reshape
from snncompile.ir.ops import Flatten
from snncompile.passes.rewrite import bypass, replace_node

#: nodes that only move elements: a uniform scale commutes with them
VIEWS = (Permute, Flatten, Reshape)


def fold_scale_into_threshold(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, Scale) or len(graph.incoming(name)) != 1:
            continue
        path = _path_to_neuron(graph, name)
        if path is None:
            continue
        views, target = path
        neuron: Any = graph.nodes[target]
        s = _scale_per_neuron(node.scale, neuron.shape, through_views=bool(views))
        if s is None or not np.all(s > 0):
            continue
        folded = neuron.replace(threshold=neuron.threshold / s, v_reset=neuron.v_reset / s, bias=neuron.bias / s)
        graph = bypass(replace_node(graph, target, folded), name)
    return graph


def _path_to_neuron(graph: Graph, name: str) -> tuple[list[str], str] | None:
    """(views, neuron) when ``name`` reaches a spiking neuron through zero-delay edges,
    each node on the way having one consumer and the neuron no other input."""
    views: list[str] = []
    current = name
    while True:
        outgoing = graph.outgoing(current)
        if len(outgoing) != 1 or outgoing[0].delay != 0 or outgoing[0].port:
            return None
        dst = outgoing[0].dst
        if len(graph.incoming(dst)) != 1:
            return None
        node = graph.nodes[dst]
        if isinstance(node, SpikingNeuron):
            return views, dst
        if not isinstance(node, VIEWS):
            return None
        views.append(dst)
        current = dst


def _scale_per_neuron(scale: np.ndarray, shape: tuple[int, ...], through_views: bool) -> np.ndarray | None:
    """``scale`` as an array broadcastable to the neuron ``shape``, or None when it
    cannot be (a non-uniform scale whose elements views would move)."""
    flat = np.asarray(scale, float).reshape(-1)
    if flat.size and np.all(flat == flat[0]):
        return np.full((), flat[0])
    if through_views:
        return None
    try:
        return np.broadcast_to(scale, shape).copy()
    except ValueError:
        return None

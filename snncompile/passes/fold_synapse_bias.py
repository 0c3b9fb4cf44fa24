"""fold_synapse_bias: move a synapse bias into the bias of the neuron it feeds, where
that is exact or the only option.

The integer core has no synapse bias; its neurons have one (added to ``v`` each step).

- Neuron without current memory (LIF, IF, LI, Integrator): a synapse bias ``b`` adds
  ``gain · b`` to ``v`` every step, so ``bias += gain · b`` is exact. Folded.
- Current-based neuron fed by a ``Linear``: left in place. The quantizer turns it into
  an always-on source neuron and a one-column synapse (exact, see ``add_bias_sources``).
- Current-based neuron fed by a convolution: folded at the current filter's steady state,
  ``bias += gain · syn_gain · b / (1 - syn_decay)``, which differs from the float model
  during the first steps (the transient ``syn_decay**t``). :func:`bias_fold_is_exact`
  tells which case applies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Graph, Linear, NeuronNode
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.rewrite import node_of, replace_node


def bias_fold_is_exact(node: NeuronNode) -> bool:
    return not node.dynamics().has_current


def keeps_bias(graph: Graph, synapse: str, neuron: str) -> bool:
    """True when the (nonzero) bias of ``synapse`` stays for the quantizer's bias source."""
    node: Any = graph.nodes[synapse]
    return (isinstance(node, Linear) and has_bias(node)
            and not bias_fold_is_exact(node_of(graph, neuron, NeuronNode)))


def has_bias(node: Any) -> bool:
    """A bias that is present and not all zeros (an all-zero bias is simply dropped)."""
    bias = getattr(node, "bias", None)
    return bias is not None and bool(np.any(bias != 0))


def fold_synapse_bias(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if is_float_synapse(node) and node.bias is not None and not has_bias(node):  # type: ignore[attr-defined]
            graph = replace_node(graph, name, node.replace(bias=None))
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, NeuronNode):
            continue
        biased = [e.src for e in graph.incoming(name)
                  if is_float_synapse(graph.nodes[e.src]) and getattr(graph.nodes[e.src], "bias", None) is not None
                  and not keeps_bias(graph, e.src, name)]
        if not biased:
            continue
        d = node.dynamics()
        total = np.zeros(node.shape)
        for src in dict.fromkeys(biased):
            syn: Any = graph.nodes[src]
            if len(graph.outgoing(src)) != 1:
                raise UnsupportedError(f"synapse '{src}' has a bias and several consumers; its bias cannot move into '{name}'")
            b = bias_view(syn, len(node.shape))
            total = total + np.broadcast_to(b, node.shape) * _edge_count(graph, src, name)
            graph = replace_node(graph, src, syn.replace(bias=None))
        if d.has_current:
            if np.any(d.syn_decay >= 1):
                raise UnsupportedError(
                    f"neuron '{name}': a synapse bias into a current that never decays (syn_decay = 1) grows "
                    "without bound; it has no neuron-bias equivalent"
                )
            drive = d.gain * d.syn_gain * total / (1 - d.syn_decay)
        else:
            drive = d.gain * total
        graph = replace_node(graph, name, node.replace(bias=np.broadcast_to(d.bias + drive, node.shape).copy()))
    return graph


def bias_view(syn: Any, ndim: int) -> np.ndarray:
    """A synapse's bias shaped to broadcast against its output of ``ndim`` axes: along the
    last axis for a Linear, along the channel axis (0) for a convolution."""
    if syn.operator == "linear" or ndim <= 1:
        return syn.bias
    return syn.bias.reshape((-1,) + (1,) * (ndim - 1))


def _edge_count(graph: Graph, src: str, dst: str) -> int:
    return sum(1 for e in graph.edges if e.src == src and e.dst == dst)

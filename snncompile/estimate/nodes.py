"""What estimates add to the IR's synapse and neuron traits: applying a synapse's linear
map to a torch batch (to count synaptic operations the way NeuroBench does).

What a synapse is (weight, effective weight, operator) is declared once, in
:mod:`snncompile.ir.synapse`; neuron traits in :meth:`snncompile.ir.NeuronNode.traits`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from snncompile.ir import NeuronNode, Node, Synapse
from snncompile.ir.neurons import NeuronTraits
from snncompile.ir.synapse import is_synapse

_CONVOLUTIONS = {"conv1d": F.conv1d, "conv2d": F.conv2d, "conv3d": F.conv3d}


def synapse_weight(node: Node) -> np.ndarray:
    """The weights the synapse applies (integer nodes: after clipping and shifts, so
    weights quantized to zero count as zero)."""
    assert isinstance(node, Synapse), node.kind
    return np.asarray(node.effective_weight())


def synapse_bias(node: Node) -> np.ndarray | None:
    return node.synapse_bias() if isinstance(node, Synapse) else None


def apply_synapse(node: Node, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The node's linear map without bias on a batch ``x`` of per-sample inputs."""
    assert isinstance(node, Synapse), node.kind
    if node.operator == "linear":
        return x @ weight.T
    return _CONVOLUTIONS[node.operator](x, weight, None, **node.conv_arguments())


def neuron_traits(node: NeuronNode) -> NeuronTraits:
    return node.traits()


__all__ = ["NeuronTraits", "apply_synapse", "is_synapse", "neuron_traits", "synapse_bias", "synapse_weight"]

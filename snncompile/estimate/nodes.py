"""What estimates need to know about node kinds, float or fixed-point, in one registry.

Synapse kinds map to the linear operator they apply (so counting pairs is the same code
for ``Linear`` and the quantizer's ``FixedLinear``); neuron kinds map to their traits.
Node classes are looked up by ``kind`` so this module does not import optional IR parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from snncompile.ir import NeuronNode, Node

#: synapse kind -> the operator it applies ("linear" over the last axis, "conv1d", "conv2d")
SYNAPSE_KINDS: dict[str, str] = {
    "Linear": "linear", "FixedLinear": "linear",
    "Conv1d": "conv1d", "Conv2d": "conv2d", "FixedConv2d": "conv2d",
}


def is_synapse(node: Node) -> bool:
    return node.kind in SYNAPSE_KINDS


def synapse_weight(node: Node) -> np.ndarray:
    """The weights the synapse applies (fixed-point nodes: after clipping and shifts, so
    weights quantized to zero count as zero)."""
    effective = getattr(node, "effective_weight", None)
    return np.asarray(effective() if callable(effective) else node.weight)  # type: ignore[attr-defined]


def synapse_bias(node: Node) -> np.ndarray | None:
    return getattr(node, "bias", None)


def apply_synapse(node: Node, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The node's linear map without bias on a batch ``x`` of per-sample inputs."""
    op = SYNAPSE_KINDS[node.kind]
    if op == "linear":
        return x @ weight.T
    conv = F.conv2d if op == "conv2d" else F.conv1d
    return conv(x, weight, None, node.stride, node.padding, node.dilation, node.groups)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NeuronTraits:
    spiking: bool
    has_current: bool  # a synaptic current state besides the membrane
    has_bias: bool


def _fixed_lif(node: NeuronNode) -> NeuronTraits:
    # Loihi's CUBA LIF: always a current u and a voltage v; bias = mant << exp
    return NeuronTraits(bool(node.spiking), True, bool(np.any(node.effective_bias() != 0)))  # type: ignore[attr-defined]


#: neuron kind -> traits, for kinds whose ``dynamics()`` does not describe them
NEURON_TRAITS: dict[str, Callable[[NeuronNode], NeuronTraits]] = {"FixedLIF": _fixed_lif}


def neuron_traits(node: NeuronNode) -> NeuronTraits:
    if node.kind in NEURON_TRAITS:
        return NEURON_TRAITS[node.kind](node)
    dyn = node.dynamics()
    return NeuronTraits(dyn.spiking, dyn.has_current, bool(np.any(dyn.bias != 0)))

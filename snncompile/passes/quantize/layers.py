"""What a "layer" is to the quantizer: one neuron population and the synapse nodes
whose outputs are summed into it. All of a layer's synapses share the layer's scale
``S`` (they add into the same current); each has its own weight exponent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Conv1d, Conv2d, Graph, Linear, NeuronNode

SYNAPSES = (Linear, Conv1d, Conv2d)


@dataclass(frozen=True)
class Layer:
    """``neuron`` and its ``synapses`` (names). ``in_gain`` is the float factor from a
    synapse output to the membrane's per-step increment (``gain`` times ``syn_gain``),
    one value per output channel of the synapses."""

    neuron: str
    synapses: tuple[str, ...]
    in_gain: np.ndarray


def find_layers(graph: Graph) -> list[Layer]:
    """Every neuron layer in graph order. Raises UnsupportedError listing every neuron
    that is not fed only by synapses, and every synapse feeding several layers."""
    problems = []
    layers = []
    fed: dict[str, str] = {}
    for name, node in graph.items():
        if not isinstance(node, NeuronNode):
            continue
        synapses = []
        for e in graph.incoming(name):
            src = graph.nodes[e.src]
            if not isinstance(src, SYNAPSES):
                problems.append(
                    f"neuron '{name}' receives '{e.src}' ({src.kind}) directly; the integer core "
                    "needs a synapse (Linear/Conv) in front of every neuron input"
                )
                continue
            if e.src in fed and fed[e.src] != name:
                problems.append(f"synapse '{e.src}' feeds both '{fed[e.src]}' and '{name}'; give each its own copy")
            fed[e.src] = name
            if e.src not in synapses:
                synapses.append(e.src)
        for syn in synapses:
            for e in graph.outgoing(syn):
                if not isinstance(graph.nodes[e.dst], NeuronNode):
                    problems.append(f"synapse '{syn}' feeds '{e.dst}' ({graph.nodes[e.dst].kind}), not only neuron '{name}'")
        try:
            gain = _in_gain(node, graph, synapses)
        except ValueError as exc:
            problems.append(f"neuron '{name}': {exc}")
            continue
        layers.append(Layer(name, tuple(synapses), gain))
    if problems:
        raise UnsupportedError("; ".join(problems))
    return layers


def _in_gain(node: NeuronNode, graph: Graph, synapses: list[str]) -> np.ndarray:
    d = node.dynamics()
    gain = np.broadcast_to(d.gain * d.syn_gain, node.shape)
    if len(node.shape) == 1:
        return np.array(gain)
    # conv output (C, ...): the gain must be constant per channel to fold into the kernel
    per_channel = gain.reshape(node.shape[0], -1)
    if not np.all(per_channel == per_channel[:, :1]):
        raise ValueError("gain varies within a channel; it cannot be folded into shared conv weights")
    return per_channel[:, 0].copy()


def weight_view(weight: np.ndarray) -> tuple[int, ...]:
    """How a per-output-channel vector broadcasts against a weight array."""
    return (-1,) + (1,) * (weight.ndim - 1)

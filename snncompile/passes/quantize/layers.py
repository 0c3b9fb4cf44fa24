"""What a "layer" is to the quantizer: one neuron population and the synapse nodes
whose outputs are summed into it. All of a layer's synapses share the layer's scale
``S`` (they add into the same current); each has its own weight exponent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Graph, NeuronNode
from snncompile.ir.placement import on_host
from snncompile.ir.synapse import is_float_synapse, synapse_of
from snncompile.passes.add_chip_entries import is_entry


@dataclass(frozen=True)
class Layer:
    """``neuron`` and its ``synapses`` (names).

    ``in_gain``: the float factor from a synapse output to the membrane's per-step
    increment (``gain · syn_gain``), one value per output channel of the synapses (a
    single value when gain and threshold are the same for every neuron).
    ``norm``: per channel, ``threshold_ref / threshold`` — the integer core has one
    threshold per population, so a layer with per-neuron thresholds is rescaled per
    neuron (weights rows, bias) to the common ``threshold_ref`` (exact in real numbers).
    """

    neuron: str
    synapses: tuple[str, ...]
    in_gain: np.ndarray
    norm: np.ndarray
    threshold_ref: float


def find_layers(graph: Graph) -> list[Layer]:
    """Every chip neuron layer in graph order (neurons placed on the host are not
    quantized). Raises UnsupportedError listing every neuron that is not fed only by
    synapses, and every synapse feeding several layers."""
    problems = []
    layers = []
    fed: dict[str, str] = {}
    for name, node in graph.items():
        if not isinstance(node, NeuronNode) or on_host(node):
            continue
        synapses = []
        for e in graph.incoming(name):
            src = graph.nodes[e.src]
            if not is_float_synapse(src):
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
            gain_value = node.dynamics().gain * node.dynamics().syn_gain
            threshold_value = getattr(node, "threshold", np.ones(()))
            gain = _per_channel(node, gain_value, "gain")
            threshold = _per_channel(node, threshold_value, "threshold")
        except ValueError as exc:
            problems.append(f"neuron '{name}': {exc}")
            continue
        if all(_uniform(v) for v in (gain_value, threshold_value)):
            gain, threshold = gain[:1], threshold[:1]  # one value: broadcasts against any synapse's rows
        else:  # an entry's boundary scales each element itself (add_chip_entries)
            last_axis = [s for s in synapses if synapse_of(graph, s).operator == "linear"
                         and not is_entry(graph.nodes[s])]
            if len(node.shape) > 1 and last_axis:
                problems.append(f"neuron '{name}' {node.shape}: per-neuron gain or threshold with a Linear over the "
                                f"last axis ({', '.join(last_axis)}): scale them into the weights before compiling")
                continue
        if not (np.all(np.isfinite(threshold)) and np.all(threshold > 0)):
            problems.append(f"neuron '{name}': the integer core needs finite thresholds > 0, found {threshold.min()}..{threshold.max()}")
            continue
        ref = float(threshold.max())
        layers.append(Layer(name, tuple(synapses), gain, ref / threshold, ref))
    if problems:
        raise UnsupportedError("; ".join(problems))
    return layers


def _uniform(value: np.ndarray) -> bool:
    flat = np.asarray(value).ravel()
    return bool(np.all(flat == flat[0])) if flat.size else True


def _per_channel(node: NeuronNode, value: np.ndarray, what: str) -> np.ndarray:
    """``value`` as one number per output channel: per neuron for 1-D layers, per
    channel (axis 0) for conv outputs, where it must be constant over the other axes
    because it is folded into shared kernel weights."""
    full = np.broadcast_to(value, node.shape)
    if len(node.shape) == 1:
        return np.array(full, dtype=np.float64)
    per_channel = full.reshape(node.shape[0], -1)
    if not np.all(per_channel == per_channel[:, :1]):
        raise ValueError(f"{what} varies within a channel; it cannot be folded into shared conv weights")
    return per_channel[:, 0].astype(np.float64)


def channel_view(value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A per-channel vector broadcast against a neuron array of ``shape``."""
    return np.asarray(value).reshape((-1,) + (1,) * (len(shape) - 1))


def weight_view(weight: np.ndarray) -> tuple[int, ...]:
    """How a per-output-channel vector broadcasts against a weight array."""
    return (-1,) + (1,) * (weight.ndim - 1)

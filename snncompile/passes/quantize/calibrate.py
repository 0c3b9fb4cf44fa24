"""Ranges of the float state on sample input, to choose scales that do not saturate.

Runs the float reference once and reconstructs, per layer, what the integer core would
hold: ``u = gain · i`` (the current after its decay, or the step's input for neurons
without current) and the membrane *before* reset (the value the 24-bit ``v`` must hold).
Values are normalised by the layer's per-neuron threshold rescaling (see Layer.norm).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from snncompile.ir import Graph, NeuronNode, ResetTiming, SpikingNeuron
from snncompile.passes.quantize.layers import Layer, channel_view
from snncompile.passes.rewrite import node_of


@dataclass(frozen=True)
class LayerRange:
    """``percentile`` of |u| and of |v before reset| over samples, steps and neurons (float
    units, normalised), plus the float spikes for agreement checks and, for spiking
    layers, every value compared with the threshold (normalised; ``compared``)."""

    u_abs: float
    v_abs: float
    spikes: np.ndarray | None
    compared: np.ndarray | None = None


def measure_ranges(graph: Graph, layers: list[Layer], inputs: Mapping[str, np.ndarray] | np.ndarray,
                   percentile: float) -> dict[str, LayerRange]:
    from snncompile.simulate import simulate  # torch: only when calibrating

    result = simulate(graph, inputs, record="all", membranes=[lay.neuron for lay in layers])
    ranges = {}
    for layer in layers:
        node = node_of(graph, layer.neuron, NeuronNode)
        d = node.dynamics()
        steps = result.membranes[layer.neuron].shape[1]
        x = np.zeros_like(result.membranes[layer.neuron])
        for e in graph.incoming(layer.neuron):
            src = result.recorded[e.src]
            if e.delay < steps:
                x[:, e.delay:] += src[:, : steps - e.delay]
        u = np.empty_like(x)
        i = np.zeros_like(x[:, 0])
        for t in range(steps):
            i = d.syn_decay * i + d.syn_gain * x[:, t] if d.has_current else x[:, t]
            u[:, t] = d.gain * i
        v = result.membranes[layer.neuron]
        delayed = isinstance(node, SpikingNeuron) and node.reset_timing is ResetTiming.DELAYED
        if not delayed:  # recorded v is post-reset: rebuild the value compared with the threshold
            v_prev = np.concatenate([np.zeros_like(v[:, :1]), v[:, :-1]], axis=1)
            v = d.decay * v_prev + u + d.bias
        norm = channel_view(layer.norm, node.shape)
        ranges[layer.neuron] = LayerRange(
            u_abs=float(np.percentile(np.abs(u * norm), percentile)),
            v_abs=float(np.percentile(np.abs(v * norm), percentile)),
            spikes=result.recorded[layer.neuron] if node.spiking else None,
            compared=v * norm if node.spiking else None,
        )
    return ranges

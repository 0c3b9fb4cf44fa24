"""The unit of mapping: a neuron node together with the synapses that feed it.

Walking back from a neuron node over stateless nodes (Linear, Conv, pooling, Flatten,
Scale, Add, Delay) reaches the neuron or Input nodes it listens to (its ``sources``).
Its synapse nodes are the Linear/Conv nodes met on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from snncompile.ir import (
    AvgPool2d,
    Delay,
    Graph,
    Input,
    MaxPool2d,
    NeuronNode,
    Output,
    SumPool2d,
    Synapse,
)
from snncompile.ir.synapse import synapse_of

POOLS = (SumPool2d, AvgPool2d, MaxPool2d)


@dataclass(frozen=True)
class Layer:
    """A neuron node and what feeds it."""

    name: str
    kind: str
    neurons: int
    shape: tuple[int, ...]
    synapses: tuple[str, ...]  # synapse node names feeding it
    pools: tuple[str, ...]  # pooling nodes between its sources and its synapses
    sources: tuple[str, ...]  # neuron or Input nodes it listens to
    weights: int  # stored synapses (dense)
    nonzero_weights: int
    fan_in: int  # inputs one neuron sums (dense; the largest over neurons)
    max_fan_out: int  # most nonzero outgoing weights of one neuron (filled by layers())
    destinations: tuple[str, ...]  # layers (or outputs) this layer's spikes reach
    recurrent: bool  # listens to itself (through delayed edges)
    max_delay: int  # largest edge delay, Delay node or per-synapse delay on the way in
    feeds_output: bool


def _walk_back(graph: Graph, name: str) -> tuple[list[str], list[str], list[str], int]:
    """Synapse nodes, pools and sources reached backwards from ``name``'s inputs."""
    synapses, pools, sources, max_delay = [], [], [], 0
    stack = [(e.src, e.delay) for e in graph.incoming(name)]
    seen = set()
    while stack:
        src, delay = stack.pop()
        max_delay = max(max_delay, delay)
        if src in seen:
            continue
        seen.add(src)
        node = graph.nodes[src]
        if isinstance(node, (NeuronNode, Input)):
            sources.append(src)
            continue
        if isinstance(node, Synapse):
            synapses.append(src)
            max_delay = max(max_delay, node.max_delay())  # per-synapse delays count as delays too
        if isinstance(node, POOLS):
            pools.append(src)
        if isinstance(node, Delay):
            max_delay = max(max_delay, int(np.max(node.delay)) if node.delay.size else 0)
        stack += [(e.src, e.delay) for e in graph.incoming(src)]
    return synapses, pools, sources, max_delay


def _fan_out(graph: Graph, source: str, synapses: list[str]) -> int:
    """Most nonzero outgoing weights of one neuron of ``source`` into ``synapses`` (dense
    layers: nonzero weights per input column; conv: kernel nonzeros x output channels,
    an upper bound at the border)."""
    total = 0
    for s in synapses:
        syn = synapse_of(graph, s)
        w = syn.effective_weight()
        if syn.operator == "linear":
            total += int((w != 0).sum(axis=0).max()) if w.size else 0
        else:
            per_in_channel = (w != 0).reshape(w.shape[0], w.shape[1], -1).sum(axis=(0, 2))
            total += int(per_in_channel.max()) if w.size else 0
    return total


def extract_layers(graph: Graph) -> list[Layer]:
    """Every neuron node as a :class:`Layer`, in graph order."""
    graph.validate()
    walks = {n: _walk_back(graph, n) for n, node in graph.items()
             if isinstance(node, (NeuronNode, Output))}
    listeners: dict[str, list[tuple[str, list[str]]]] = {}
    for n, (syn, _, srcs, _) in walks.items():
        for s in srcs:
            listeners.setdefault(s, []).append((n, [x for x in syn if s in _walk_back_sources(graph, x)]))
    layers = []
    for name, node in graph.items():
        if not isinstance(node, NeuronNode):
            continue
        syn, pools, srcs, max_delay = walks[name]
        weights = [synapse_of(graph, s).effective_weight() for s in syn]
        fan_in = sum(int(np.prod(w.shape[1:])) for w in weights) or 1
        outs = listeners.get(name, [])
        fan_out = sum(_fan_out(graph, name, s) for _, s in outs)
        layers.append(Layer(
            name=name, kind=node.kind, neurons=math.prod(node.shape), shape=node.shape,
            synapses=tuple(syn), pools=tuple(pools), sources=tuple(srcs),
            weights=int(sum(w.size for w in weights)),
            nonzero_weights=int(sum(np.count_nonzero(w) for w in weights)),
            fan_in=fan_in, max_fan_out=fan_out,
            destinations=tuple(dict.fromkeys(n for n, _ in outs)),
            recurrent=name in srcs, max_delay=max_delay,
            feeds_output=any(isinstance(graph.nodes[n], Output) for n, _ in outs),
        ))
    return layers


def _walk_back_sources(graph: Graph, name: str) -> list[str]:
    return _walk_back(graph, name)[2]


def input_size(graph: Graph) -> int:
    sizes: list[int] = [int(math.prod(graph.nodes[n].shape)) for n in graph.inputs]  # type: ignore[attr-defined]
    return sum(sizes)

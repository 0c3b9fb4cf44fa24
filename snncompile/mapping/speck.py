"""Speck / DYNAP-CNN memory formulas (sinabs ``DynapcnnLayer.memory_summary``):

    kernel memory = c * 2^(ceil(log2(kx * ky)) + ceil(log2 f))
    neuron memory = f * 2^(ceil(log2 fy) + ceil(log2 fx))

with ``c`` input channels, ``f`` output channels, ``(kx, ky)`` the kernel and
``(fy, fx)`` the output feature map. A dense layer is a convolution whose kernel covers
its whole input (sinabs converts Linear this way): a flat input of ``n`` values is
``c = n`` channels of 1 x 1.
"""

from __future__ import annotations

import math

import networkx as nx

from snncompile.ir import Flatten, Graph
from snncompile.ir.synapse import synapse_of
from snncompile.mapping.layers import Layer
from snncompile.mapping.place import Core, Slice
from snncompile.targets import Target


def _ceil_log2(n: int) -> int:
    return math.ceil(math.log2(n)) if n > 1 else 0


def kernel_memory(c: int, kx: int, ky: int, f: int) -> int:
    return c * 2 ** (_ceil_log2(kx * ky) + _ceil_log2(f))


def neuron_memory(f: int, fy: int, fx: int) -> int:
    return f * 2 ** (_ceil_log2(fy) + _ceil_log2(fx))


def conv_geometry(graph: Graph, layer: Layer) -> tuple[int, int, int, int, int, int] | None:
    """(c, kx, ky, f, fy, fx) of the layer's single synapse node, or None when the layer
    has no or several synapse nodes."""
    if len(layer.synapses) != 1:
        return None
    node = synapse_of(graph, layer.synapses[0])
    shapes = graph.infer_shapes()
    op = node.operator
    if op == "conv2d":
        f, c, ky, kx = node.effective_weight().shape
        _, fy, fx = shapes[layer.synapses[0]]
        return c, kx, ky, f, fy, fx
    if op == "linear":
        f, n = node.effective_weight().shape
        srcs = [e.src for e in graph.incoming(layer.synapses[0])]
        if srcs and isinstance(graph.nodes[srcs[0]], Flatten):
            flat_in = graph.input_shape(srcs[0], shapes)
            if len(flat_in) == 3:  # (c, h, w) flattened: the kernel covers h x w
                c, h, w = flat_in
                return c, w, h, f, 1, 1
        return n, 1, 1, f, 1, 1
    return None


def assign_cores(needs: dict[str, tuple[int, int]], kernel_caps: tuple[int, ...],
                 neuron_caps: tuple[int, ...]) -> dict[str, int] | None:
    """A core per layer such that both memories fit (maximum bipartite matching, as
    sinabs does with Edmonds' algorithm); None when no complete assignment exists."""
    g = nx.Graph()
    layers = list(needs)
    g.add_nodes_from(layers, bipartite=0)
    cores = [f"core{i}" for i in range(len(kernel_caps))]
    g.add_nodes_from(cores, bipartite=1)
    for name, (k, n) in needs.items():
        for i, core in enumerate(cores):
            if k <= kernel_caps[i] and n <= neuron_caps[i]:
                g.add_edge(name, core)
    match = nx.bipartite.maximum_matching(g, top_nodes=layers) if layers else {}
    if any(name not in match for name in layers):
        return None
    return {name: int(match[name][4:]) for name in layers}


def int_list(target: Target, key: str) -> tuple[int, ...] | None:
    """A per-core list figure as ints, or None when the target does not give it."""
    fig = target.figure("limits", key)
    if fig is None or not isinstance(fig.value, tuple):
        return None
    return tuple(int(v) for v in fig.value)


def place_layers(graph: Graph, layers: list[Layer], target: Target) -> list[Core]:
    """One layer per core by memory (empty when the target has no such cores or no
    complete assignment exists; the rules then say why)."""
    kcap = int_list(target, "kernel_memory_entries_per_core")
    ncap = int_list(target, "neuron_memory_entries_per_core")
    if kcap is None or ncap is None:
        return []
    needs = {}
    for ly in layers:
        geo = conv_geometry(graph, ly)
        if geo is None:
            return []
        c, kx, ky, f, fy, fx = geo
        needs[ly.name] = (kernel_memory(c, kx, ky, f), neuron_memory(f, fy, fx))
    assignment = assign_cores(needs, kcap, ncap) if len(layers) <= len(kcap) else None
    if assignment is None:
        return []
    by_name = {ly.name: ly for ly in layers}
    return [Core(index=i, slices=[Slice(name, 0, by_name[name].neurons)], neurons=by_name[name].neurons,
                 kernel_entries=needs[name][0], neuron_entries=needs[name][1],
                 kernel_capacity=int(kcap[i]), neuron_capacity=int(ncap[i]))
            for name, i in sorted(assignment.items(), key=lambda kv: kv[1])]

"""add_chip_entries: give every host value that enters a chip neuron an explicit way in.

A chip neuron takes synaptic input only. Where the partition left a host node feeding a
chip neuron directly (the attention product into Spikformer's attention LIF, a host
Linear into a spiking layer), this pass inserts, for each such neuron ``n``, a chip
identity ``Linear`` over the neuron's last axis, ``n.entry`` (float weight 1): ``host ->
n.entry -> n`` computes exactly what ``host -> n`` did (the host edges keep their delays;
they are summed at the entry as they were at the neuron).

After the scales are chosen, :func:`add_entry_boundaries` puts the host side of the
crossing into the compiled graph: a ``Quantize`` ``n.entry.q`` turns the host's float
values into integer payloads. The entry synapse gets mantissa 1 and exponent 0 (every
payload unit is one ``a`` unit, the finest input the neuron resolves) and the boundary
the scale ``S · n · g / 2**act_shift``: one float unit of input is then ``S · n · g``
integer current, as for any other synapse of the layer. Payloads are clipped to
``state_bits - act_shift`` bits, so ``a << act_shift`` stays in the state's range.

Host values that are small integers (:mod:`snncompile.passes.integer_values`) may also
feed a chip synapse directly on a target with graded spikes (the partition decides);
:func:`add_payload_boundaries` marks each such crossing with a ``Quantize`` of scale 1,
``<synapse>.q``: the integers cross unchanged, as graded payloads.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Edge, Graph, Linear, NeuronNode, Node
from snncompile.ir.fixed import GRADED_MESSAGE_BITS, FixedLinear, FixedSynapse, SignMode
from snncompile.ir.host import Quantize
from snncompile.ir.placement import (
    ORIGIN,
    STATIC,
    Placement,
    is_static,
    on_host,
    placed,
    segment_of,
    with_origin,
)

PASS = "add_chip_entries"
PAYLOAD_PASS = "add_payload_boundaries"
ENTRY, BOUNDARY = ".entry", ".entry.q"


def is_entry(node: Node) -> bool:
    """True for an identity entry synapse made by this pass."""
    return node.meta.get(ORIGIN, {}).get("pass") == PASS and isinstance(node, Linear)


def add_chip_entries(graph: Graph) -> Graph:
    edges: list[Edge] = []
    fed: dict[str, list[Edge]] = {}
    for e in graph.edges:
        dst = graph.nodes[e.dst]
        if isinstance(dst, NeuronNode) and not on_host(dst) and on_host(graph.nodes[e.src]):
            fed.setdefault(e.dst, []).append(e)
        else:
            edges.append(e)
    nodes: dict[str, Node] = {}
    for name, node in graph.items():  # each entry just before its neuron (a readable order)
        if name in fed:
            assert isinstance(node, NeuronNode)
            entry = name + ENTRY
            nodes[entry] = with_origin(placed(Linear(weight=np.eye(node.shape[-1])), Placement.CHIP,
                                              segment_of(node)), PASS, [name])
            edges += [e.replace(dst=entry) for e in fed[name]]
            edges.append(Edge(entry, name))
        nodes[name] = node
    return Graph(nodes, edges, graph.dt)


def entry_synapse(node: Node, spec) -> FixedLinear:  # spec: FixedPointSpec
    """The integer entry synapse: identity mantissas 1, exponent 0, graded payloads."""
    assert isinstance(node, Linear)
    width = node.weight.shape[0]
    return FixedLinear(weight=np.eye(width, dtype=np.int64), weight_exp=0, sign_mode=SignMode.EXCITATORY,
                       num_weight_bits=spec.weight_mantissa_bits, **spec.synapse_fields(),
                       num_message_bits=GRADED_MESSAGE_BITS, meta=dict(node.meta))


def add_entry_boundaries(graph: Graph, plan) -> Graph:  # plan: ScalePlan
    """Insert each entry's host ``Quantize`` (scale ``S · n · g / 2**act_shift``)
    between the host edges and the entry synapse (see module docstring)."""
    from snncompile.passes.quantize.layers import channel_view

    spec = plan.spec
    entries = {n: node.meta[ORIGIN]["from"][0] for n, node in graph.items()
               if node.meta.get(ORIGIN, {}).get("pass") == PASS}
    nodes: dict[str, Node] = {}
    edges = [e for e in graph.edges if e.dst not in entries]
    for name, node in graph.items():
        if name in entries:
            neuron = entries[name]
            chosen = plan.layers[neuron]
            shape = graph.nodes[neuron].shape  # type: ignore[attr-defined]
            gain = np.broadcast_to(channel_view(chosen.layer.in_gain * chosen.layer.norm, shape), shape)
            scale = chosen.scale * gain / 2.0**spec.activation_shift
            scale = np.asarray(scale.ravel()[0]) if np.all(scale == scale.ravel()[0]) else scale
            host = [e for e in graph.incoming(name)]
            q = neuron + BOUNDARY
            boundary = with_origin(placed(Quantize(scale=scale, bits=spec.v_bits - spec.activation_shift),
                                          Placement.HOST, segment_of(graph.nodes[host[0].src])), PASS, [neuron])
            if all(is_static(graph.nodes[e.src]) and e.delay == 0 for e in host):
                boundary = boundary.with_meta(**{STATIC: True})  # a bias: the same payload every step
            nodes[q] = boundary
            edges += [e.replace(dst=q) for e in host] + [Edge(q, name)]
        nodes[name] = node
    return Graph(nodes, edges, graph.dt)


def add_payload_boundaries(graph: Graph) -> Graph:
    """Between host nodes and each chip synapse they feed, a ``Quantize`` of scale 1 and
    :data:`GRADED_MESSAGE_BITS` bits (exact for the integer values the partition let
    cross); the host edges keep their delays, summed at the boundary as at the synapse."""
    crossing = {n for n, node in graph.items() if isinstance(node, FixedSynapse) and not on_host(node)
                and any(on_host(graph.nodes[e.src]) and not isinstance(graph.nodes[e.src], Quantize)
                        for e in graph.incoming(n))}
    if not crossing:
        return graph
    nodes: dict[str, Node] = {}
    edges = [e for e in graph.edges if not (e.dst in crossing and on_host(graph.nodes[e.src]))]
    for name, node in graph.items():
        if name in crossing:
            host = [e for e in graph.incoming(name) if on_host(graph.nodes[e.src])]
            q = name + ".q"
            nodes[q] = with_origin(placed(Quantize(scale=np.asarray(1.0), bits=GRADED_MESSAGE_BITS), Placement.HOST,
                                          segment_of(graph.nodes[host[0].src])), PAYLOAD_PASS, [name])
            edges += [e.replace(dst=q) for e in host] + [Edge(q, name)]
        nodes[name] = node
    return Graph(nodes, edges, graph.dt)


def start_boundaries(graph: Graph, lags: dict[str, int]) -> Graph:
    """Each boundary starts at its lag: the step the host's values for float step 0
    reach it (before that the float model has no values to send)."""
    nodes = {n: node.replace(start=int(lags.get(n, 0))) if isinstance(node, Quantize) else node
             for n, node in graph.items()}
    return Graph(nodes, list(graph.edges), graph.dt)

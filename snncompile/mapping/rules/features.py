"""Feature rules: what the chip's neurons and synapses can express."""

from __future__ import annotations

import networkx as nx
import numpy as np

from snncompile.ir import NeuronNode
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.synapse import synapse_of
from snncompile.mapping.rules.base import Context, rule
from snncompile.mapping.violation import Violation

#: IR neuron kind -> target neuron models that can run it. Loihi's CUBA LIF runs LIF/IF
#: with a pass-through current; Xylo's bit-shift LIF has a synaptic current too (Rockpool's
#: Xylo neurons carry dash_syn and dash_mem), so it runs CubaLIF.
_MODEL_OF = {"IF": {"if", "if_linear_leak", "lif", "cuba_lif", "lif_shift_decay"},
             "LIF": {"lif", "cuba_lif", "lif_shift_decay", "if_linear_leak"},
             "CubaLIF": {"cuba_lif", "lif_shift_decay"}, "LI": {"cuba_lif"},
             "CubaLI": {"cuba_lif"}, "Integrator": {"cuba_lif", "if"}}
#: a compiled neuron runs on the models whose decay its arithmetic encodes
_MODEL_OF_ENCODING = {"multiply": {"cuba_lif"}, "shift": {"lif_shift_decay"}, "none": {"if", "if_linear_leak"}}


def _models(node: NeuronNode) -> set[str]:
    if isinstance(node, FixedLIF):
        return _MODEL_OF_ENCODING[node.decay_encoding.value]
    return _MODEL_OF.get(node.kind, set())


def _node(ctx: Context, name: str) -> NeuronNode:
    return ctx.graph.nodes[name]  # type: ignore[return-value]


@rule
def neuron_model(ctx: Context) -> list[Violation]:
    feats = ctx.target.features
    if feats is None or "programmable" in feats.neuron_models:
        return []
    out = []
    allowed = set(feats.neuron_models)
    for ly in ctx.layers:
        node = _node(ctx, ly.name)
        ok = bool(_models(node) & allowed)
        if ok and allowed == {"if"} and ly.kind == "LIF" and not np.all(node.decay == 1):  # type: ignore[attr-defined]
            ok = False
        if not ok:
            out.append(Violation("neuron model", ly.name, ly.kind, " / ".join(feats.neuron_models),
                                 "IF neurons only: train without leak (a leak can be a bias)"
                                 if allowed == {"if"} else f"use a {'/'.join(feats.neuron_models)} neuron"))
    return out


@rule
def reset_mode(ctx: Context) -> list[Violation]:
    feats = ctx.target.features
    if feats is None or feats.reset_modes is None:
        return []
    out = []
    for ly in ctx.layers:
        node = _node(ctx, ly.name)
        reset = getattr(node, "reset", None)
        if reset is not None and node.traits().spiking and reset.value not in feats.reset_modes:
            out.append(Violation("reset mode", ly.name, reset.value, " / ".join(feats.reset_modes),
                                 f"retrain with {' or '.join(feats.reset_modes)} reset"))
    return out


@rule
def bias_support(ctx: Context) -> list[Violation]:
    feats = ctx.target.features
    if feats is None or feats.bias is not False:
        return []
    out = []
    for ly in ctx.layers:
        node = _node(ctx, ly.name)
        biases = [synapse_of(ctx.graph, s).synapse_bias() for s in ly.synapses]
        syn_bias = any(b is not None and np.any(b != 0) for b in biases)
        if syn_bias or node.traits().has_bias:
            out.append(Violation("bias", ly.name, "nonzero bias", "no bias on this chip",
                                 "train without bias (bias=False)"))
    return out


@rule
def recurrence(ctx: Context) -> list[Violation]:
    feats = ctx.target.features
    if feats is None or feats.recurrence is not False:
        return []
    cyclic = _cyclic_layers(ctx)
    return [Violation("recurrence", name, "recurrent connection", "feed-forward only",
                      f"remove the recurrent edge into '{name}'") for name in cyclic]


def _cyclic_layers(ctx: Context) -> list[str]:
    g = nx.DiGraph()
    for ly in ctx.layers:
        g.add_node(ly.name)
        for s in ly.sources:
            g.add_edge(s, ly.name)
    cyclic = {n for comp in nx.strongly_connected_components(g) if len(comp) > 1 for n in comp}
    cyclic |= {ly.name for ly in ctx.layers if ly.recurrent}
    return [ly.name for ly in ctx.layers if ly.name in cyclic]


@rule
def delays(ctx: Context) -> list[Violation]:
    feats = ctx.target.features
    cap = ctx.limit("max_delay")
    out = []
    latency = ctx.target.number("fixed_point", "synapse_latency")
    for ly in ctx.layers:
        # a recurrent edge's one step of delay is the chip's own step, not a synaptic delay;
        # a compiled graph's edges hold the chip's synapse latency, which is no delay either
        own = 1 if ly.recurrent or ly.name in _cyclic_layers(ctx) else 0
        if isinstance(ctx.graph.nodes[ly.name], FixedLIF) and latency is not None:
            own = max(own, int(latency))
        extra = ly.max_delay - own
        if extra <= 0:
            continue
        if feats is not None and feats.delays is False:
            out.append(Violation("synaptic delays", ly.name, f"{ly.max_delay} steps", "no delays",
                                 "remove the delays (or unroll them into relay neurons)"))
        elif cap is not None and ly.max_delay > cap:
            out.append(Violation("synaptic delay", ly.name, f"{ly.max_delay} steps", f"{cap} steps",
                                 f"keep delays <= {cap} (chain relay neurons for longer ones)"))
    return out


@rule
def weight_precision(ctx: Context) -> list[Violation]:
    cap = ctx.limit("weight_bits")
    if not ctx.weight_bits_given or cap is None or ctx.weight_bits <= cap:
        return []
    return [Violation("weight bits", "(network)", f"{ctx.weight_bits}", f"{cap}",
                      f"reduce weight bits to {cap} (quantize)")]

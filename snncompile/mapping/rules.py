"""Mapping rules: small functions ``rule(ctx) -> list[Violation]``, all run every time.

A rule whose limit the target does not give returns nothing (the report lists the
limits that were checked). Every rule returns every violation it finds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from snncompile.estimate.nodes import SYNAPSE_KINDS, neuron_traits, synapse_bias, synapse_weight
from snncompile.ir import Graph, NeuronNode
from snncompile.mapping import speck
from snncompile.mapping.layers import Layer, input_size
from snncompile.mapping.place import Core, CoreLimits, bytes_per_neuron
from snncompile.mapping.violation import Violation
from snncompile.targets import Target


@dataclass(frozen=True)
class Context:
    graph: Graph
    target: Target
    layers: tuple[Layer, ...]
    cores: tuple[Core, ...]
    limits: CoreLimits
    weight_bits: int
    state_bits: int
    weight_bits_given: bool  # False: weight_bits is the target's own (float graph)

    def limit(self, key: str) -> int | None:
        v = self.target.number("limits", key)
        return None if v is None else int(v)


Rule = Callable[[Context], list[Violation]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def check(ctx: Context) -> list[Violation]:
    return [v for r in RULES for v in r(ctx)]


# -- capacity ----------------------------------------------------------------------------
@rule
def cores_available(ctx: Context) -> list[Violation]:
    cap = ctx.limit("cores")
    if cap is None or not ctx.limits.any or len(ctx.cores) <= cap:
        return []
    big = max(ctx.layers, key=lambda ly: ly.neurons)
    return [Violation("cores", "(network)", f"{len(ctx.cores)} cores", f"{cap} cores",
                      f"shrink the largest layers (e.g. '{big.name}', {big.neurons} neurons) "
                      "or lower weight bits to pack more synapses per core")]


@rule
def neuron_fits_a_core(ctx: Context) -> list[Violation]:
    cap = ctx.limits.memory_bytes
    if cap is None:
        return []
    out = []
    for ly in ctx.layers:
        need = bytes_per_neuron(ly, ctx.limits, ctx.weight_bits, ctx.state_bits)
        if need > cap:
            fit_bits = max(int(cap * 8 // max(ly.fan_in, 1)), 0)
            hint = (f"reduce weight bits to {fit_bits}" if fit_bits >= 1 else
                    f"reduce the fan-in of '{ly.name}' (split its inputs over several layers)")
            out.append(Violation("core memory per neuron", ly.name,
                                 f"{need} B ({ly.fan_in} inputs x {ctx.weight_bits} bit)",
                                 f"{cap} B per core", hint))
    return out


@rule
def fan_in_per_core(ctx: Context) -> list[Violation]:
    cap = ctx.limits.fan_in
    if cap is None:
        return []
    return [Violation("input axons per core", ly.name, f"{ly.fan_in}", f"{cap}",
                      f"split the inputs of '{ly.name}' into groups of <= {cap}")
            for ly in ctx.layers if ly.fan_in > cap]


@rule
def fan_out_per_core(ctx: Context) -> list[Violation]:
    cap = ctx.limits.fan_out
    if cap is None:
        return []
    return [Violation("output edges per core", f"core {c.index} ({', '.join(s.layer for s in c.slices)})",
                      f"{c.fan_out}", f"{cap}", "spread the layer over more cores (fewer neurons per core)")
            for c in ctx.cores if c.fan_out > cap]


@rule
def neurons_total(ctx: Context) -> list[Violation]:
    cap = ctx.limit("neurons_total")
    total = sum(ly.neurons for ly in ctx.layers)
    if cap is None or total <= cap:
        return []
    return [Violation("neurons per chip", "(network)", f"{total}", f"{cap}", "use fewer neurons or several chips")]


@rule
def fixed_topology(ctx: Context) -> list[Violation]:
    """Xylo-style chips: input channels, hidden and output neuron counts."""
    out = []
    checks = [
        ("input_channels", "input channels", "(inputs)", input_size(ctx.graph), "reduce the input channels"),
        ("hidden_neurons", "hidden neurons", "(hidden)",
         sum(ly.neurons for ly in ctx.layers if not ly.feeds_output), "use fewer hidden neurons"),
        ("output_neurons", "output neurons", "(outputs)",
         sum(ly.neurons for ly in ctx.layers if ly.feeds_output), "use fewer output classes/neurons"),
    ]
    for key, rule_name, node, actual, hint in checks:
        cap = ctx.limit(key)
        if cap is not None and actual > cap:
            out.append(Violation(rule_name, node, f"{actual}", f"{cap}", hint))
    return out


@rule
def fan_out_per_neuron(ctx: Context) -> list[Violation]:
    cap = ctx.limit("max_fan_out_per_neuron")
    if cap is None:
        return []
    return [Violation("fan-out per neuron", ly.name, f"{ly.max_fan_out} synapses", f"{cap}",
                      f"prune '{ly.name}' to <= {cap} nonzero outgoing weights per neuron")
            for ly in ctx.layers if ly.max_fan_out > cap]


@rule
def destinations_per_neuron(ctx: Context) -> list[Violation]:
    """TrueNorth: one target axon per neuron; more destination cores need splitters."""
    cap = ctx.limit("max_destinations_per_neuron")
    if cap is None:
        return []
    cores_of: dict[str, set[int]] = {}
    for c in ctx.cores:
        for s in c.slices:
            cores_of.setdefault(s.layer, set()).add(c.index)
    out = []
    for ly in ctx.layers:
        dests = set().union(*(cores_of.get(d, set()) for d in ly.destinations)) if ly.destinations else set()
        if len(dests) > cap:
            out.append(Violation("destinations per neuron", ly.name, f"{len(dests)} cores", f"{cap}",
                                 f"insert splitter neurons after '{ly.name}'"))
    return out


@rule
def destinations_per_layer(ctx: Context) -> list[Violation]:
    cap = ctx.limit("max_destinations_per_layer")
    if cap is None:
        return []
    return [Violation("destinations per layer", ly.name, f"{len(ly.destinations)}", f"{cap}",
                      f"route '{ly.name}' to at most {cap} layers")
            for ly in ctx.layers if len(ly.destinations) > cap]


@rule
def axon_types(ctx: Context) -> list[Violation]:
    """TrueNorth: a neuron's weight from an axon is one of its ``axon_types`` signed values
    (one per axon type), so no neuron may use more distinct nonzero weights than that
    (a necessary condition; the types are also shared by all neurons of a core)."""
    cap = ctx.limit("axon_types")
    if cap is None:
        return []
    out = []
    for ly in ctx.layers:
        most = 0
        for s in ly.synapses:
            w = synapse_weight(ctx.graph.nodes[s])
            rows = w.reshape(w.shape[0], -1)
            most = max(most, max((len(np.unique(r[r != 0])) for r in rows), default=0))
        if most > cap:
            out.append(Violation("weights per neuron (axon types)", ly.name, f"{most} distinct values",
                                 f"{cap}", f"quantize the weights into '{ly.name}' to <= {cap} levels per neuron"))
    return out


# -- features ---------------------------------------------------------------------------
#: IR neuron kind -> target neuron models that can run it. Loihi's CUBA LIF runs LIF/IF
#: with a pass-through current; Xylo's bit-shift LIF has a synaptic current too (Rockpool's
#: Xylo neurons carry dash_syn and dash_mem), so it runs CubaLIF.
_MODEL_OF = {"IF": {"if", "if_linear_leak", "lif", "cuba_lif", "lif_shift_decay"},
             "LIF": {"lif", "cuba_lif", "lif_shift_decay", "if_linear_leak"},
             "CubaLIF": {"cuba_lif", "lif_shift_decay"}, "LI": {"cuba_lif"},
             "CubaLI": {"cuba_lif"}, "Integrator": {"cuba_lif", "if"},
             "FixedLIF": {"cuba_lif"}}


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
        ok = bool(_MODEL_OF.get(ly.kind, set()) & allowed)
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
        if reset is not None and neuron_traits(node).spiking and reset.value not in feats.reset_modes:
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
        biases = [synapse_bias(ctx.graph.nodes[s]) for s in ly.synapses]
        syn_bias = any(b is not None and np.any(b != 0) for b in biases)
        if syn_bias or neuron_traits(node).has_bias:
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
    import networkx as nx

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
    for ly in ctx.layers:
        # a recurrent edge's one step of delay is the chip's own step, not a synaptic delay
        extra = ly.max_delay - (1 if ly.recurrent or ly.name in _cyclic_layers(ctx) else 0)
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


# -- Speck / DYNAP-CNN ------------------------------------------------------------------
@rule
def speck_layers(ctx: Context) -> list[Violation]:
    kcap = speck.int_list(ctx.target, "kernel_memory_entries_per_core")
    ncap = speck.int_list(ctx.target, "neuron_memory_entries_per_core")
    if kcap is None or ncap is None:
        return []
    out, needs = [], {}
    max_k = ctx.limit("max_kernel_size")
    strides = speck.int_list(ctx.target, "allowed_strides")
    pools = speck.int_list(ctx.target, "allowed_sum_pool")
    for ly in ctx.layers:
        geo = speck.conv_geometry(ctx.graph, ly)
        if geo is None:
            out.append(Violation("one synapse node per core", ly.name, f"{len(ly.synapses)} synapse nodes",
                                 "1 (conv or dense)", f"merge or split the inputs of '{ly.name}'"))
            continue
        c, kx, ky, f, fy, fx = geo
        node = ctx.graph.nodes[ly.synapses[0]]
        if max_k is not None and max(kx, ky) > max_k:
            out.append(Violation("kernel size", ly.synapses[0], f"{ky}x{kx}", f"{max_k}x{max_k}",
                                 "use a smaller kernel (or pool before a dense layer)"))
        if strides is not None and SYNAPSE_KINDS[node.kind] == "conv2d" and \
                any(s not in strides for s in node.stride):  # type: ignore[attr-defined]
            out.append(Violation("stride", ly.synapses[0], f"{node.stride}", f"{list(strides)}",  # type: ignore[attr-defined]
                                 "use stride 1, 2, 4 or 8"))
        for p in ly.pools:
            k = ctx.graph.nodes[p].kernel_size  # type: ignore[attr-defined]
            if pools is not None and (k[0] != k[1] or k[0] not in pools):
                out.append(Violation("sum pooling", p, f"{k[0]}x{k[1]}", f"{list(pools)} square",
                                     "use 1x1, 2x2 or 4x4 pooling"))
        needs[ly.name] = (speck.kernel_memory(c, kx, ky, f), speck.neuron_memory(f, fy, fx))
        k, n = needs[ly.name]
        if not any(k <= a and n <= b for a, b in zip(kcap, ncap)):
            out.append(Violation("Speck core memory", ly.name, f"kernel {k}, neuron {n} entries",
                                 f"largest core pairs: {sorted(set(zip(kcap, ncap)))}",
                                 _speck_hint(ly.name, k, n)))
    if len(ctx.layers) > len(kcap):
        out.append(Violation("Speck cores", "(network)", f"{len(ctx.layers)} layers", f"{len(kcap)} cores",
                             "merge layers or shorten the network"))
    elif not out and speck.assign_cores(needs, kcap, ncap) is None:
        out.append(Violation("Speck core assignment", "(network)", str(needs), "one layer per core",
                             "shrink the layers that need the 64 Ki cores"))
    return out


def _speck_hint(name: str, k: int, n: int) -> str:
    if k > 64 * 1024:
        return f"reduce input or output channels of '{name}' (kernel memory {math.ceil(k / 1024)} Ki > 64 Ki)"
    return f"reduce channels or feature map of '{name}' (neuron memory {math.ceil(n / 1024)} Ki)"


"""Capacity rules: cores, core memory, axons and edges per core, chip-level counts."""

from __future__ import annotations

import numpy as np

from snncompile.ir.synapse import synapse_of
from snncompile.mapping.layers import input_size
from snncompile.mapping.place import bytes_per_neuron
from snncompile.mapping.rules.base import Context, rule
from snncompile.mapping.violation import Violation


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
            w = synapse_of(ctx.graph, s).effective_weight()
            rows = w.reshape(w.shape[0], -1)
            most = max(most, max((len(np.unique(r[r != 0])) for r in rows), default=0))
        if most > cap:
            out.append(Violation("weights per neuron (axon types)", ly.name, f"{most} distinct values",
                                 f"{cap}", f"quantize the weights into '{ly.name}' to <= {cap} levels per neuron"))
    return out

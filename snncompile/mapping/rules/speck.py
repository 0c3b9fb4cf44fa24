"""Speck / DYNAP-CNN rules: one conv (or dense) layer per core, kernel, stride and
pooling limits, and the per-core kernel and neuron memories."""

from __future__ import annotations

import math

from snncompile.mapping import speck
from snncompile.mapping.rules.base import Context, rule
from snncompile.mapping.violation import Violation


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
        if strides is not None and getattr(node, "operator", None) == "conv2d" and \
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

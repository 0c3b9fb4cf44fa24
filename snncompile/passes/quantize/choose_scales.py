"""choose_scales: one scale ``S`` per neuron layer and one weight exponent per synapse.

``S`` is integer membrane units per float unit. With ``g`` the layer's input gain and
``n`` its threshold normalisation (see Layer), a float weight ``w`` of synapse ``j``
becomes the mantissa ``m = rnd(S · n · g · w / (2**act_shift · 2**e_j))`` so that one
input spike adds ``m << e_j << act_shift ≈ S · n · g · w`` to ``u``, as the float
membrane gets ``n · g · w``.

Automatic choice (``scale=None``):

1. ``S0`` makes the largest-magnitude synapse use its whole mantissa range at
   exponent 0: ``S0 = 2**act_shift · M / max|n · g · w|``;
2. ``S = S0 · 2**k``: ``k`` grows from 0 while the threshold mantissa
   ``S · threshold / 2**vth_shift`` is below ``threshold_resolution`` and shrinks while
   any limit is exceeded — threshold mantissa over its width, calibrated |u| or |v|
   (or the threshold itself) above ``state_max / headroom``, bias beyond
   ``bias_mant << max bias_exp``, the largest weight beyond its mantissa at a forced
   ``weight_exp`` (``--weight-exp 0`` keeps every exponent 0: Lava's CPU Conv ignores it)
   or at the target's largest shift ``weight_exp_max``;
3. each synapse ``j`` gets the smallest exponent with ``max|S n g w_j| / 2**(e_j +
   act_shift) <= M_j`` (negative exponents are arithmetic right shifts of the summed
   input, which floors), within the target's ``[weight_exp_min, weight_exp_max]``; a
   bias column (``<linear>.bias``, one always-on input) gets at least 0, as flooring one
   input's product is only a worse rounding.

Readouts (non-spiking LI, CubaLI, Integrator: no threshold) keep ``S0`` — the weights'
full mantissa range is the finest membrane resolution there is — and only shrink it
while the membrane could leave ``state_max / headroom``: the calibrated ``|v|`` when
given, else the worst case ``|v| <= (D / (1 - syn_decay) + |b|) / (1 - decay)`` with
``D`` the largest summed ``|n g w|`` of a row (every 0/1 input spiking at once) and ``b``
the bias (no limit when a factor is 1: an Integrator can saturate, at ``±state_max/S``).
The integer membrane means ``v_int / S`` in float units (``FixedLIF.scale``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snncompile.errors import InputError
from snncompile.ir import Graph, SpikingNeuron
from snncompile.passes.add_chip_entries import is_entry
from snncompile.passes.quantize.calibrate import LayerRange
from snncompile.passes.quantize.layers import Layer, channel_view, weight_view
from snncompile.passes.quantize.numbers import exponent_for, weight_grid
from snncompile.passes.quantize.options import QuantizeOptions
from snncompile.passes.quantize.spec import FixedPointSpec


@dataclass(frozen=True)
class SynapseScale:
    name: str
    weight_exp: int
    max_abs: float  # max |n g w| in float units


@dataclass(frozen=True)
class LayerScale:
    """The choices for one layer and why: ``limited_by`` names what fixed ``S``."""

    layer: Layer
    scale: float
    threshold_scale: float
    synapses: tuple[SynapseScale, ...]
    limited_by: str
    range: LayerRange | None = None


@dataclass(frozen=True)
class ScalePlan:
    spec: FixedPointSpec
    options: QuantizeOptions
    layers: Mapping[str, LayerScale] = field(default_factory=dict)

    def for_synapse(self, name: str) -> tuple[LayerScale, SynapseScale] | None:
        for lay in self.layers.values():
            for syn in lay.synapses:
                if syn.name == name:
                    return lay, syn
        return None


#: suffix of the pseudo-synapse that carries a Linear's bias from an always-on source
BIAS_SUFFIX = ".bias"


def float_weight(graph: Graph, synapse: str) -> np.ndarray:
    """The float weights of ``synapse``; for ``<linear>.bias`` the bias as one column."""
    if synapse.endswith(BIAS_SUFFIX) and synapse not in graph.nodes:
        linear: Any = graph.nodes[synapse[: -len(BIAS_SUFFIX)]]
        return linear.bias[:, None]
    node: Any = graph.nodes[synapse]
    return node.weight


def effective_weight(graph: Graph, layer: Layer, synapse: str) -> np.ndarray:
    """``n · g · w``: the synapse's float weights as seen by the normalised membrane (an
    entry synapse's boundary scales each element, so its largest factor stands for all)."""
    w = float_weight(graph, synapse)
    factor = layer.in_gain * layer.norm
    if synapse in graph.nodes and is_entry(graph.nodes[synapse]):
        return w * float(np.max(factor))
    return w * factor.reshape(weight_view(w))


def choose_scales(graph: Graph, layers: list[Layer], spec: FixedPointSpec, options: QuantizeOptions,
                  ranges: Mapping[str, LayerRange] | None = None) -> ScalePlan:
    chosen = {}
    for layer in layers:
        rng = (ranges or {}).get(layer.neuron)
        chosen[layer.neuron] = _layer_scale(graph, layer, spec, options, rng)
    return ScalePlan(spec, options, chosen)


def rescaled(plan: ScalePlan, graph: Graph, name: str, scale: float, why: str) -> ScalePlan:
    """``plan`` with layer ``name`` at ``scale`` (threshold scale too; every exponent of
    its synapses chosen again for it); ``why`` becomes its ``limited_by``."""
    old = plan.layers[name]
    pinned = dataclasses.replace(plan.options, scale={name: scale}, threshold_scale=None, weight_exp=None)
    layer = _layer_scale(graph, old.layer, plan.spec, pinned, old.range)
    return ScalePlan(plan.spec, plan.options, {**plan.layers, name: dataclasses.replace(layer, limited_by=why)})


def _layer_scale(graph: Graph, layer: Layer, spec: FixedPointSpec, options: QuantizeOptions,
                 rng: LayerRange | None) -> LayerScale:
    act = 2.0**spec.activation_shift
    weights = {s: effective_weight(graph, layer, s) for s in layer.synapses}
    magnitudes = {s: _magnitude(graph, s, spec, options) for s in weights}
    fixed = options.for_layer(layer.neuron, "scale")
    if fixed is not None:
        scale, why = float(fixed), "option"
    else:
        scale, why = _auto_scale(graph, layer, spec, options, rng, dict(weights), magnitudes)
    forced_exp = options.for_layer(layer.neuron, "weight_exp")
    for s in layer.synapses:  # biases kept for an always-on source get their own exponent
        if getattr(graph.nodes[s], "bias", None) is not None:
            bias = s + BIAS_SUFFIX
            weights[bias] = effective_weight(graph, layer, bias)
            magnitudes[bias] = _magnitude(graph, bias, spec, options)
    synapses = []
    for s, w in weights.items():
        max_abs = float(np.max(np.abs(w))) if w.size else 0.0
        exp = int(forced_exp) if forced_exp is not None else exponent_for(scale * max_abs / act, magnitudes[s])
        if s.endswith(BIAS_SUFFIX) and s not in graph.nodes:
            # one always-on input: a negative exponent only floors the same mantissa
            exp = max(exp, 0)
        exp = min(max(exp, spec.weight_exp_min), spec.weight_exp_max)  # the target's shifts
        synapses.append(SynapseScale(s, exp, max_abs))
    th_scale = options.for_layer(layer.neuron, "threshold_scale")
    return LayerScale(layer, scale, float(th_scale) if th_scale is not None else scale, tuple(synapses), why, rng)


def _magnitude(graph: Graph, synapse: str, spec: FixedPointSpec, options: QuantizeOptions) -> int:
    """The largest mantissa ``synapse`` can use; a width that leaves none is refused."""
    grid = weight_grid(float_weight(graph, synapse), spec, options.weight_bits)
    if grid.magnitude == 0:  # mixed-sign mantissas lose extra low bits: 1 bit of 8 leaves only 0
        raise InputError(f"synapse '{synapse}': {options.weight_bits} weight bits leave no nonzero {grid.sign_mode}-"
                         f"sign mantissa on this target (it drops {spec.mixed_sign_extra_shift} more bit(s) of "
                         f"mixed-sign weights); use at least {spec.mixed_sign_extra_shift + 1} bits")
    return grid.magnitude


def _auto_scale(graph, layer, spec, options, rng, weights, magnitudes) -> tuple[float, str]:
    act, shift = 2.0**spec.activation_shift, 2.0**spec.threshold_shift
    per_lsb = max((float(np.max(np.abs(w))) / magnitudes[s] for s, w in weights.items() if w.size), default=0.0)
    th = layer.threshold_ref
    base = act / per_lsb if per_lsb > 0 else shift * options.resolution / th
    node = graph.nodes[layer.neuron]
    bias = np.abs(node.dynamics().bias * channel_view(layer.norm, node.shape))
    forced_exp = options.for_layer(layer.neuron, "weight_exp")
    forced = {"forced weight exponent": base * 2.0 ** int(forced_exp)} if forced_exp is not None and per_lsb > 0 else {}
    if per_lsb > 0 and spec.weight_exp_max < 16:  # the largest weight must fit at the largest shift
        forced["weight exponent range"] = base * 2.0**spec.weight_exp_max
    if not isinstance(node, SpikingNeuron):
        drive = dict(weights)  # a Linear bias kept for an always-on source drives it too
        for s in layer.synapses:
            if getattr(graph.nodes[s], "bias", None) is not None:
                drive[s + BIAS_SUFFIX] = effective_weight(graph, layer, s + BIAS_SUFFIX)
        return _readout_scale(node, spec, options, rng, drive, base, bias, forced)
    limits = {
        "threshold width": spec.threshold_max * shift / th,
        "state range": spec.state_max / options.headroom / th,
        "bias range": (spec.bias_mant_max * 2.0**spec.bias_exp_max / float(bias.max())) if bias.max() > 0 else np.inf,
    }
    limits.update(forced)  # the largest weight must fit at a forced exponent
    if rng is not None:
        if rng.u_abs > 0:
            limits["calibrated u"] = spec.state_max / options.headroom / rng.u_abs
        if rng.v_abs > 0:
            limits["calibrated v"] = spec.state_max / options.headroom / rng.v_abs
    ceiling = min(limits.values())
    k = 0
    while base * 2.0**k * th / shift < options.resolution and base * 2.0 ** (k + 1) <= ceiling and k < 64:
        k += 1
    while base * 2.0**k > ceiling and k > -64:
        k -= 1
    scale = base * 2.0**k
    if scale * 2 > ceiling:
        return scale, min(limits, key=limits.get)  # type: ignore[arg-type]
    return scale, "weights" if k == 0 else "threshold resolution"


def readout_bound(node, weights: Mapping[str, np.ndarray], bias: np.ndarray) -> float:
    """Worst-case float ``|v|`` of a readout driven by 0/1 inputs (module docstring); inf
    when it does not decay."""
    drive = sum((np.abs(w).reshape(w.shape[0], -1).sum(axis=1) for w in weights.values()), np.zeros(()))
    d = node.dynamics()
    decay, syn_decay = float(np.max(d.decay)), float(np.max(d.syn_decay)) if d.has_current else 0.0
    if decay >= 1 or syn_decay >= 1:
        return float("inf")
    current = np.max(drive) / (1 - syn_decay) if np.size(drive) else 0.0
    return float((current + float(np.max(bias, initial=0.0))) / (1 - decay))


def _readout_scale(node, spec, options, rng, weights, base, bias, forced) -> tuple[float, str]:
    bound = rng.v_abs if rng is not None and rng.v_abs > 0 else readout_bound(node, weights, bias)
    why = "calibrated v" if rng is not None and rng.v_abs > 0 else "worst-case v"
    limits = {why: spec.state_max / options.headroom / bound if 0 < bound < np.inf else np.inf}
    if bias.max() > 0:
        limits["bias range"] = spec.bias_mant_max * 2.0**spec.bias_exp_max / float(bias.max())
    limits.update(forced)
    ceiling = min(limits.values())
    if not np.isfinite(base):
        base = ceiling if np.isfinite(ceiling) else 2.0**spec.activation_shift
    k = 0
    while base * 2.0**k > ceiling and k > -64:
        k -= 1
    return base * 2.0**k, ("weights" if k == 0 else min(limits, key=limits.get))  # type: ignore[arg-type]

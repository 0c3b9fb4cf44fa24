"""The exact (real-valued) counterpart of every integer parameter of a compiled graph.

Each integer value the quantizer writes is a rounding of a real number it computed from
the float graph and the scale plan; this module computes those real numbers again, one
form per pass that makes chip nodes (looked up by the ``origin`` a node carries in its
meta, :data:`SYNAPSE_FORMS`; a synapse without one is a quantized float synapse):

- a neuron (``quantize_neurons``): threshold ``S_th θ``, the float decays ``α`` (``u``
  kept per step; 0 without current memory) and ``β``, the float comparator, and its bias
  register ``S n b`` (0 where ``add_delayed_biases`` moved the bias onto synapses);
- a quantized synapse (``quantize_weights``; a bias column of ``add_bias_sources``):
  mantissas ``S n g w / 2**(act_shift + e)`` (a convolution compiled dense: unrolled);
- a residual twin (``add_residual_weights``) and a bias column's residual: 0 (the main
  synapse's exact value is the whole);
- a delayed bias column (``add_delayed_biases``): the neuron's ``S n b`` on the column's
  exponent;
- a reset correction (``add_reset_correction``): its taps from the exact threshold and
  decays (its residual parts: 0);
- an entry synapse (``add_chip_entries``): the identity it is (its boundary's scale is a
  float already).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Comparator, Graph, NeuronNode, SpikingNeuron
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.placement import ORIGIN, on_host
from snncompile.passes.add_chip_entries import PASS as ENTRY_PASS
from snncompile.passes.quantize.add_bias_sources import PASS as BIAS_SOURCE_PASS
from snncompile.passes.quantize.add_delayed_biases import PASS as DELAYED_BIAS_PASS
from snncompile.passes.quantize.add_delayed_biases import moved_biases
from snncompile.passes.quantize.add_reset_correction import PASS as RESET_PASS
from snncompile.passes.quantize.add_reset_correction import taps as reset_taps
from snncompile.passes.quantize.add_residual_weights import PASS as RESIDUAL_PASS
from snncompile.passes.quantize.add_residual_weights import unrolled
from snncompile.passes.quantize.choose_scales import ScalePlan, effective_weight
from snncompile.passes.quantize.layers import channel_view


@dataclass(frozen=True)
class ExactNeuron:
    """A FixedLIF's real-valued parameters (``v`` units; see module docstring)."""

    threshold: float
    comparator: Comparator
    u_keep: float
    v_keep: float
    bias: np.ndarray  # the register's exact value, broadcast to the population


@dataclass(frozen=True)
class ExactSynapse:
    """Real-valued mantissas, shaped like the node's ``weight`` (on its ``weight_exp``)."""

    weight: np.ndarray


Exact = ExactNeuron | ExactSynapse


@dataclass(frozen=True)
class _Sources:
    prepared: Graph
    plan: ScalePlan
    moved: set[str]  # neurons whose bias went onto delayed synapses


def exact_parameters(fixed: Graph, prepared: Graph, plan: ScalePlan) -> dict[str, Exact]:
    """Exact parameters of every chip neuron and synapse of ``fixed`` (compiled from
    ``prepared`` with ``plan``). Raises UnsupportedError naming a chip node no form
    explains."""
    ctx = _Sources(prepared, plan, moved_biases(fixed))
    out: dict[str, Exact] = {}
    for name, node in fixed.items():
        if on_host(node):
            continue
        if isinstance(node, FixedLIF):
            out[name] = _neuron(name, node, ctx)
        elif isinstance(node, FixedSynapse):
            origin = node.meta.get(ORIGIN, {})
            form = SYNAPSE_FORMS.get(origin.get("pass"), _quantized)
            out[name] = ExactSynapse(np.asarray(form(name, node, origin, ctx), dtype=np.float64))
    return out


def _neuron(name: str, node: FixedLIF, ctx: _Sources) -> ExactNeuron:
    float_node = _float_neuron(ctx, name)
    chosen = ctx.plan.layers[name]
    d = float_node.dynamics()
    spiking = isinstance(float_node, SpikingNeuron)
    return ExactNeuron(
        threshold=chosen.threshold_scale * chosen.layer.threshold_ref if spiking else float("inf"),
        comparator=float_node.comparator if isinstance(float_node, SpikingNeuron) else node.comparator,
        u_keep=float(np.max(d.syn_decay)) if d.has_current else 0.0,
        v_keep=float(np.max(d.decay)),
        bias=np.zeros(node.shape) if name in ctx.moved else _bias(ctx, name),
    )


def _float_neuron(ctx: _Sources, name: str) -> NeuronNode:
    node = ctx.prepared.nodes.get(name)
    if name not in ctx.plan.layers or not isinstance(node, NeuronNode):
        raise UnsupportedError(f"chip neuron '{name}' has no float layer in the scale plan: no exact form")
    return node


def _bias(ctx: _Sources, name: str) -> np.ndarray:
    """``S n b`` of neuron ``name`` in ``v`` units, one value per neuron."""
    node, chosen = _float_neuron(ctx, name), ctx.plan.layers[name]
    bias = np.broadcast_to(node.dynamics().bias * channel_view(chosen.layer.norm, node.shape), node.shape)
    return np.array(bias, dtype=np.float64) * chosen.scale


def _unit(ctx: _Sources, node: FixedSynapse) -> float:
    return 2.0 ** (ctx.plan.spec.activation_shift + node.weight_exp)


def _quantized(name: str, node: FixedSynapse, origin: Mapping[str, Any], ctx: _Sources) -> np.ndarray:
    """A float synapse (or a Linear's bias column) quantized on its layer's scale."""
    found = ctx.plan.for_synapse(name)
    if found is None:
        raise UnsupportedError(f"chip synapse '{name}' ({node.kind}) has no scale in the plan: no exact form")
    chosen, _ = found
    real = chosen.scale * effective_weight(ctx.prepared, chosen.layer, name) / _unit(ctx, node)
    if real.shape != node.weight.shape:  # a convolution compiled as a dense matrix
        real = unrolled(ctx.prepared, name, real)
    return real


def _residual(name: str, node: FixedSynapse, origin: Mapping[str, Any], ctx: _Sources) -> np.ndarray:
    if origin.get("part") == "residual":
        return np.zeros(node.weight.shape)
    return _quantized(origin["from"][0], node, origin, ctx)


def _delayed_bias(name: str, node: FixedSynapse, origin: Mapping[str, Any], ctx: _Sources) -> np.ndarray:
    if origin.get("part", 0):
        return np.zeros(node.weight.shape)
    return _bias(ctx, origin["from"][0]).reshape(-1, 1) / _unit(ctx, node)


def _reset_correction(name: str, node: FixedSynapse, origin: Mapping[str, Any], ctx: _Sources) -> np.ndarray:
    if origin.get("part", 0):
        return np.zeros(node.weight.shape)  # a residual part: the first part's exact value is the whole
    neuron = origin["from"][0]
    d, chosen = _float_neuron(ctx, neuron).dynamics(), ctx.plan.layers[neuron]
    threshold = chosen.threshold_scale * chosen.layer.threshold_ref
    u_keep = float(np.max(d.syn_decay)) if d.has_current else 0.0
    taps = reset_taps(threshold, float(np.max(d.decay)), u_keep, ctx.plan.spec.activation_shift)
    tap = int(origin.get("tap", 0))
    value = taps[tap][1] if tap < len(taps) else 0.0
    return np.eye(node.weight.shape[0]) * value / 2.0**node.weight_exp


def _entry(name: str, node: FixedSynapse, origin: Mapping[str, Any], ctx: _Sources) -> np.ndarray:
    return node.weight.astype(np.float64)


Form = Callable[[str, FixedSynapse, Mapping[str, Any], _Sources], np.ndarray]

#: origin pass -> the exact form of the synapses it made
SYNAPSE_FORMS: dict[str | None, Form] = {
    BIAS_SOURCE_PASS: _quantized,
    RESIDUAL_PASS: _residual,
    DELAYED_BIAS_PASS: _delayed_bias,
    RESET_PASS: _reset_correction,
    ENTRY_PASS: _entry,
}

__all__ = ["Exact", "ExactNeuron", "ExactSynapse", "exact_parameters"]

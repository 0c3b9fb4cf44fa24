"""quantize_neurons: every float neuron layer becomes a FixedLIF (Loihi's CUBA LIF).

With ``S`` the layer scale, ``S_th`` its threshold scale, ``n`` the per-neuron threshold
normalisation and ``U = decay_unity`` (the target's ``decay_denominator`` unless the
options say otherwise), ``rnd`` the options' rounding:

- ``dv = rnd(U · (1 - decay))`` — the membrane keeps ``(U - dv) / U`` per step;
- ``du = rnd(U · (1 - syn_decay)) - 1`` for current-based neurons (Loihi keeps
  ``(U - du - 1) / U``; ``du = -1`` keeps all of it); ``du = 2**du_bits - 1`` for
  neurons without current memory (then ``u = a << act_shift``: the current is the step's
  input, exactly);
- ``vth = rnd(S_th · threshold_ref / 2**vth_shift)`` (compared after ``<< vth_shift``);
- ``bias_mant << bias_exp = rnd(S · n · bias)`` with the smallest exponent that fits.

Reset: ZERO (``v_reset = 0``) and SUBTRACT map to the same field; NONE too. Timing:
a DELAYED zero reset gives the same spikes as an immediate one (the reset value is what
the next step decays either way); a DELAYED subtract (snnTorch) removes ``threshold``
after the next decay, the integer core removes it before the decay — the fixed graph
removes ``(1 - decay) · threshold`` less per spike than snnTorch does (an approximation,
reported; tests measure its effect).
The comparator is kept, unless ``fire_on_gt``: then a ``>=`` neuron fires on
``v > vth << shift`` (what Lava's LIF, which has only ``>``, can run). That differs from
``v >= vth << shift`` only when ``v`` equals the threshold exactly — rare for real-valued
drive, systematic where the membrane moves on a coarse lattice (spike counts times
dyadic weights: an attention LIF fed ``Q Kᵀ V`` counts). Firing on ``v > (vth - 1) <<
shift`` instead differs only for ``v`` within one threshold unit below it. With
calibration data the mantissa is chosen by counting both events in the float membranes
(:func:`gt_mantissa`): ``vth - 1`` when exact hits outnumber near misses.

Non-spiking neurons (LI, CubaLI, Integrator) become membrane readouts: a FixedLIF with
``output="v"`` (never compares, never resets, outputs its integer ``v``) and
``scale = S``, so ``v_int / S`` is the float membrane. Same decay mapping: LI has no
current memory (``du = 4095``), CubaLI ``du`` from its current decay, Integrator
``dv = 0``. A readout's output is a 24-bit value, not a spike: it may feed only
``Output`` nodes (a readout feeding synapses is refused by name).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Comparator, Graph, NeuronNode, Output, Reset, SpikingNeuron
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.placement import on_host
from snncompile.passes.quantize.choose_scales import LayerScale, ScalePlan
from snncompile.passes.quantize.layers import channel_view
from snncompile.passes.quantize.numbers import split_bias, to_int
from snncompile.passes.rewrite import node_of, replace_node


def quantize_neurons(graph: Graph, plan: ScalePlan) -> Graph:
    problems = []
    for name, node in graph.items():
        if on_host(node):
            continue
        if isinstance(node, NeuronNode) and not isinstance(node, FixedLIF) and name not in plan.layers:
            problems.append(f"neuron '{name}' ({node.kind}) has no scale in the plan")
        if isinstance(node, NeuronNode) and not isinstance(node, (SpikingNeuron, FixedLIF)):
            problems += [f"non-spiking neuron '{name}' ({node.kind}) feeds '{e.dst}' ({graph.nodes[e.dst].kind}); "
                         "its integer form is a membrane readout, which may feed only Output nodes"
                         for e in graph.outgoing(name) if not isinstance(graph.nodes[e.dst], Output)]
    if problems:
        raise UnsupportedError("; ".join(problems))
    for name, chosen in plan.layers.items():
        graph = replace_node(graph, name, fixed_neuron(name, node_of(graph, name, NeuronNode), chosen, plan))
    return graph


def _uniform(name: str, what: str, value: np.ndarray) -> float:
    flat = np.asarray(value, dtype=np.float64).ravel()
    if flat.size and not np.all(flat == flat[0]):
        raise UnsupportedError(
            f"neuron '{name}': {what} varies across neurons ({flat.min():g}..{flat.max():g}); the integer "
            "core has one value per population: split the layer"
        )
    return float(flat[0]) if flat.size else 0.0


def decay_constants(name: str, node: NeuronNode, plan: ScalePlan) -> tuple[int, int]:
    """(du, dv) of a float neuron (see module docstring)."""
    spec, opts = plan.spec, plan.options
    unity = opts.decay_unity or spec.decay_denominator
    d = node.dynamics()
    decay = _uniform(name, "decay", d.decay)
    if not 0 <= decay <= 1:
        raise UnsupportedError(f"neuron '{name}': membrane decay {decay:g} is outside [0, 1]; the integer core only shrinks v")
    dv = int(min(to_int(unity * (1 - decay), opts.rounding), 2**spec.dv_bits - 1))
    if not d.has_current:
        return 2**spec.du_bits - 1, dv
    syn_decay = _uniform(name, "syn_decay", d.syn_decay)
    if not 0 <= syn_decay <= 1:
        raise UnsupportedError(f"neuron '{name}': current decay {syn_decay:g} is outside [0, 1]")
    du = int(np.clip(to_int(unity * (1 - syn_decay), opts.rounding) - 1, -1, 2**spec.du_bits - 1))
    return du, dv


def fixed_neuron(name: str, node: NeuronNode, chosen: LayerScale, plan: ScalePlan) -> FixedLIF:
    spec, opts = plan.spec, plan.options
    if not isinstance(node, SpikingNeuron):
        return readout_neuron(name, node, chosen, plan)
    if node.reset is Reset.ZERO and np.any(node.v_reset != 0):
        raise UnsupportedError(f"neuron '{name}': reset to v_reset={node.v_reset.ravel()[0]:g}; the integer core resets to 0")
    du, dv = decay_constants(name, node, plan)
    layer = chosen.layer
    vth = int(to_int(chosen.threshold_scale * layer.threshold_ref / 2.0**spec.threshold_shift, opts.rounding))
    if not 0 < vth <= spec.threshold_max:
        raise UnsupportedError(
            f"neuron '{name}': threshold mantissa {vth} is outside 1..{spec.threshold_max} "
            f"(scale {chosen.threshold_scale:g}, threshold {layer.threshold_ref:g}); choose another scale"
        )
    mant, exp = _bias(node, chosen, plan)
    comparator = node.comparator
    if opts.fire_on_gt and comparator is Comparator.GE:
        comparator, vth = Comparator.GT, gt_mantissa(chosen, vth, spec.threshold_shift)
    return FixedLIF(
        shape=node.shape, du=du, dv=dv, vth=vth, bias_mant=mant, bias_exp=exp,
        reset=node.reset, comparator=comparator, **_bits(plan),
    )


def gt_mantissa(chosen: LayerScale, vth: int, shift: int) -> int:
    """The threshold mantissa with which ``v > m << shift`` best stands for the layer's
    ``v >= vth << shift`` on its calibration membranes: ``vth - 1`` when more calibrated
    values hit the threshold exactly than fall within one threshold unit below it (those
    would fire too), else ``vth``."""
    compared = chosen.range.compared if chosen.range is not None else None
    if compared is None or vth <= 1:
        return vth
    theta = chosen.layer.threshold_ref  # normalised, as the calibrated membranes
    unit = 2.0**shift / chosen.threshold_scale  # one threshold mantissa unit in float units
    at = np.isclose(compared, theta, rtol=1e-12, atol=0)
    hits = int(np.count_nonzero(at))
    near = int(np.count_nonzero((compared > theta - unit) & (compared < theta) & ~at))
    return vth - 1 if hits > near else vth


def readout_neuron(name: str, node: NeuronNode, chosen: LayerScale, plan: ScalePlan) -> FixedLIF:
    """A non-spiking neuron as a membrane readout; ``vth`` is the largest mantissa (unused
    by the readout; a spiking core given this neuron would fire last)."""
    du, dv = decay_constants(name, node, plan)
    mant, exp = _bias(node, chosen, plan)
    return FixedLIF(
        shape=node.shape, du=du, dv=dv, vth=plan.spec.threshold_max, bias_mant=mant, bias_exp=exp,
        reset=Reset.NONE, output="v", scale=chosen.scale * float(chosen.layer.norm.max()), **_bits(plan),
    )


def _bias(node: NeuronNode, chosen: LayerScale, plan: ScalePlan) -> tuple[np.ndarray, np.ndarray]:
    """``bias_mant << bias_exp = rnd(S · n · bias)``, one value when uniform."""
    layer = chosen.layer
    bias = np.broadcast_to(node.dynamics().bias * channel_view(layer.norm, node.shape), node.shape) * chosen.scale
    mant, exp, _ = split_bias(bias, plan.spec, plan.options.rounding)
    if np.all(mant == mant.ravel()[0]) and np.all(exp == exp.ravel()[0]):
        mant, exp = np.asarray(mant.ravel()[0]), np.asarray(exp.ravel()[0])
    return mant, exp


def _bits(plan: ScalePlan) -> dict[str, Any]:  # Any: unpacked into FixedLIF's keywords
    spec = plan.spec
    return dict(
        state_bits=spec.v_bits, decay_bits=spec.dv_bits, vth_bits=spec.threshold_mant_bits,
        bias_bits=spec.bias_mant_bits, vth_shift=spec.threshold_shift, act_shift=spec.activation_shift,
    )

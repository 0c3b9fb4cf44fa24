"""quantize_neurons: every float neuron layer becomes a FixedLIF in the target's
arithmetic (its widths and choices: :meth:`FixedPointSpec.neuron_fields`).

With ``S`` the layer scale, ``S_th`` its threshold scale, ``n`` the per-neuron threshold
normalisation, ``rnd`` the options' rounding:

- ``du``, ``dv``: the decays in the target's encoding (:mod:`.decays`): Lava's
  ``dv = rnd(U · (1 - decay))`` (the membrane keeps ``(U - dv) / U``; ``U`` =
  ``decay_unity`` or ``2**dv_bits``), ``du = rnd(U · (1 - syn_decay)) - 1`` for
  current-based neurons, ``2**du_bits - 1`` without current memory (``u = a << act_shift``,
  exactly); Xylo's shifts ``round(-log2(1 - decay))`` — where the input is decayed with the
  current (``before_decay``) a neuron without current memory gets the shortest current
  (shift 1) and :func:`input_compensation` scales the weights by ``1 / kept``;
- ``vth = rnd(S_th · threshold_ref / 2**vth_shift)`` (compared after ``<< vth_shift``);
- ``bias_mant << bias_exp = rnd(S · n · bias)`` with the smallest exponent that fits;
- ``max_spikes``: the target's spikes per step for hidden or output neurons (subtract
  reset only; Xylo's hidden neurons send up to 31).

Reset: ZERO (``v_reset = 0``) and SUBTRACT map to the same field; NONE too; the
refractory period is copied (exact with either timing: a refractory step holds the
post-reset ``v``, which the immediate reset has already produced). Timing:
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
(:func:`gt_mantissa`): ``vth - 1`` when exact hits outnumber near misses. A comparator
the target lacks becomes the one it has (same unit; a ``>=`` made ``>`` picks its
mantissa the same way).

Non-spiking neurons (LI, CubaLI, Integrator) become membrane readouts: a FixedLIF with
``output="v"`` (never compares, never resets, outputs its integer ``v``) and
``scale = S``, so ``v_int / S`` is the float membrane. Same decay mapping: LI has no
current memory (``du = 4095``), CubaLI ``du`` from its current decay, Integrator
``dv = 0``. A readout's output is a 24-bit value, not a spike: it may feed only
``Output`` nodes (a readout feeding synapses is refused by name).
"""

from __future__ import annotations

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Comparator, Graph, NeuronNode, Output, Reset, SpikingNeuron
from snncompile.ir.arithmetic import DecayEncoding, InputTiming
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.placement import on_host
from snncompile.passes.quantize.choose_scales import LayerScale, ScalePlan
from snncompile.passes.quantize.decays import ENCODINGS
from snncompile.passes.quantize.layers import channel_view
from snncompile.passes.quantize.numbers import split_bias, to_int
from snncompile.passes.quantize.spec import FixedPointSpec
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
        node = node_of(graph, name, NeuronNode)
        spikes = max_spikes(graph, name, node, plan.spec)
        graph = replace_node(graph, name, fixed_neuron(name, node, chosen, plan, spikes))
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
    """(du, dv) of a float neuron in the target's decay encoding (see :mod:`.decays`)."""
    spec, opts = plan.spec, plan.options
    unity = opts.decay_unity or 2**spec.dv_bits
    encoding = ENCODINGS[spec.encoding]
    d = node.dynamics()
    decay = _uniform(name, "decay", d.decay)
    if not 0 <= decay <= 1:
        raise UnsupportedError(f"neuron '{name}': membrane decay {decay:g} is outside [0, 1]; the integer core only shrinks v")
    dv = encoding.membrane(name, decay, spec.dv_bits, unity, opts.rounding)
    syn_decay = _uniform(name, "syn_decay", d.syn_decay) if d.has_current else 0.0
    if not 0 <= syn_decay <= 1:
        raise UnsupportedError(f"neuron '{name}': current decay {syn_decay:g} is outside [0, 1]")
    du = encoding.current(name, syn_decay, spec.du_bits, unity, opts.rounding)
    if passes_input_through_decay(spec) and du == 0:
        du = 1  # a zero shift before the decay would drop every input: keep the shortest current
    return du, dv


def passes_input_through_decay(spec: FixedPointSpec) -> bool:
    """True when the step's input is decayed with the current (``input_timing =
    before_decay``) by a shift: the core then has no current-free neuron."""
    return spec.input_timing == InputTiming.BEFORE_DECAY.value and spec.encoding is DecayEncoding.SHIFT


def input_compensation(name: str, node: NeuronNode, plan: ScalePlan) -> float:
    """The factor the layer's weights need so that one step's input reaches the
    membrane as in float: ``1 / kept`` when the core decays the input with the current
    (``before_decay``: ``u = a_c (u + x)`` against float ``u = a u + x``), else 1."""
    spec = plan.spec
    if spec.input_timing != InputTiming.BEFORE_DECAY.value:
        return 1.0
    du, _ = decay_constants(name, node, plan)
    kept = ENCODINGS[spec.encoding].kept_current(du, spec.du_bits, plan.options.decay_unity or 2**spec.du_bits)
    return 1.0 / kept if kept > 0 else 1.0


def max_spikes(graph: Graph, name: str, node: NeuronNode, spec: FixedPointSpec) -> int:
    """Spikes per step the core lets ``name`` send: the target's figure for output or
    hidden neurons (a subtract reset only; zero and no reset send one)."""
    if not isinstance(node, SpikingNeuron) or node.reset is not Reset.SUBTRACT:
        return 1
    feeds_output = any(isinstance(graph.nodes[e.dst], Output) for e in graph.outgoing(name))
    return spec.max_spikes_output if feeds_output else spec.max_spikes_hidden


def comparator_for(node: SpikingNeuron, plan: ScalePlan) -> Comparator:
    """The neuron's comparator if the core has it (``fire_on_gt`` asks for ``>``), else
    the core's: on integers ``v > S th`` and ``v >= S th`` differ by one unit of ``v``."""
    wanted = Comparator.GT if plan.options.fire_on_gt else node.comparator
    if wanted.value in plan.spec.comparators:
        return wanted
    return Comparator(plan.spec.comparators[0])


def fixed_neuron(name: str, node: NeuronNode, chosen: LayerScale, plan: ScalePlan, spikes: int = 1) -> FixedLIF:
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
    comparator = comparator_for(node, plan)
    if node.comparator is Comparator.GE and comparator is Comparator.GT:
        vth = gt_mantissa(chosen, vth, spec.threshold_shift)
    return FixedLIF(
        shape=node.shape, du=du, dv=dv, vth=vth, bias_mant=mant, bias_exp=exp,
        reset=node.reset, comparator=comparator, max_spikes=spikes, refractory=node.refractory, **plan.spec.neuron_fields(),
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
        reset=Reset.NONE, output="v", scale=chosen.scale * float(chosen.layer.norm.max()),
        **plan.spec.neuron_fields(),
    )


def _bias(node: NeuronNode, chosen: LayerScale, plan: ScalePlan) -> tuple[np.ndarray, np.ndarray]:
    """``bias_mant << bias_exp = rnd(S · n · bias)``, one value when uniform."""
    layer = chosen.layer
    bias = np.broadcast_to(node.dynamics().bias * channel_view(layer.norm, node.shape), node.shape) * chosen.scale
    mant, exp, _ = split_bias(bias, plan.spec, plan.options.rounding)
    if np.all(mant == mant.ravel()[0]) and np.all(exp == exp.ravel()[0]):
        mant, exp = np.asarray(mant.ravel()[0]), np.asarray(exp.ravel()[0])
    return mant, exp

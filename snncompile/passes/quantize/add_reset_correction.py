"""add_reset_correction: make snnTorch's delayed subtract reset exact on the chip.

snnTorch subtracts the threshold *after* the next decay, ``v[t+1] = β v[t] + I - θ s[t]``;
the core subtracts it at once, ``v[t+1] = β (v[t] - θ s[t]) + I``, i.e. ``(1 - β) θ`` too
little per spike. A self-connection restores the difference: the neuron's own spike of
step ``t`` reaches its current at ``t + 1`` through a diagonal synapse holding
``-x = -(vth << vth_shift) · dv / 2**decay_bits`` (in ``u`` units, ``>> act_shift``),
which enters ``v`` once. A current-based neuron keeps part of that injection
(``u`` decays by ``α = (D - du - 1) / D``), so a second diagonal synapse delayed by one
more step adds ``+α x`` and cancels it. Left: the rounding of ``x`` to a mantissa
and the cores' truncations.

One input per row means a negative exponent would only floor the one product, so each
tap's mantissa takes the smallest exponent ``>= 0`` that fits it: an error of up to
half of ``2**e`` ``a`` units per spike (``e`` is 5 for the L2MU's hidden layer: 1,024 of
its 742,784-unit threshold). With ``weight_split`` ``k > 1`` a tap is ``k`` synapses at
most (:func:`tap_parts`): ``<name>.reset_fix`` and residuals ``.lo``, ``.lo2`` each
carrying the rest on the next exponent that fits it, down to 0 (half an ``a`` unit).

Only 1-D populations (a diagonal dense synapse); others keep the approximation and its
note. A neuron with a refractory period needs no correction: the step after a spike holds
``v[t] - θ`` undecayed in both forms.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from snncompile.ir import Graph, ResetTiming, SpikingNeuron
from snncompile.ir.fixed import FixedLIF, FixedLinear, SignMode
from snncompile.ir.placement import LAG, with_origin
from snncompile.passes.quantize.add_residual_weights import residual_suffix
from snncompile.passes.quantize.choose_scales import ScalePlan
from snncompile.passes.quantize.numbers import exponent_for, to_int
from snncompile.passes.rewrite import node_of

SUFFIX = ".reset_fix"
PASS = "add_reset_correction"


def needs_correction(node: object) -> bool:
    return (isinstance(node, SpikingNeuron) and node.reset.value == "subtract"
            and node.reset_timing is ResetTiming.DELAYED and len(node.shape) == 1 and not node.refractory)


def taps(threshold: float, v_keep: float, u_keep: float, act_shift: int) -> list[tuple[int, float]]:
    """(delay, value in ``a`` units) of the correcting self-connections of a neuron that
    subtracts ``threshold`` (``v`` units) at once, keeps ``v_keep`` of ``v`` and
    ``u_keep`` of ``u`` per step: ``-x`` after one step, ``+u_keep x`` after two when the
    current keeps something (``x = (1 - v_keep) threshold / 2**act_shift``)."""
    x = threshold * (1 - v_keep) / 2.0**act_shift
    return [(1, -x)] + ([(2, u_keep * x)] if u_keep > 0 else [])


def tap_parts(value: float, magnitude: int, rounding: str, parts: int) -> list[tuple[int, int]]:
    """(mantissa, exponent) of up to ``parts`` synapses whose sum approximates ``value``
    (``a`` units): each the rest so far on the smallest exponent ``>= 0`` whose
    ``magnitude`` holds it; parts that round to 0 are left out, and so is everything
    after a part on exponent 0 (nothing finer is possible)."""
    out: list[tuple[int, int]] = []
    rest = float(value)
    for _ in range(parts):
        exp = max(exponent_for(abs(rest), magnitude), 0)
        mant = int(to_int(rest / 2.0**exp, rounding))
        if mant:
            out.append((mant, exp))
        rest -= mant * 2.0**exp
        if exp == 0 or rest == 0:
            break
    return out


def part_name(name: str, tap: int, part: int) -> str:
    """``<name>.reset_fix[2][.lo|.lo2...]``"""
    return f"{name}{SUFFIX}{tap + 1 if tap else ''}" + residual_suffix(part)


def chip_keeps(lif: FixedLIF) -> tuple[float, float]:
    """(v_keep, u_keep) of a FixedLIF: ``1 - dv / D`` and ``(D - du - 1) / D``."""
    unity = 1 << lif.decay_bits
    return 1 - lif.dv / unity, (unity - lif.du - 1) / unity


def add_reset_correction(graph: Graph, prepared: Graph, plan: ScalePlan, lags: Mapping[str, int]) -> Graph:
    """The graph with the correcting self-connections (each carries the neuron's lag and
    its origin, ``tap`` 0 or 1 and ``part`` 0.. (``options.weight_split`` parts at most),
    in ``meta``)."""
    names = [n for n in plan.layers if needs_correction(prepared.nodes[n])]
    if not names:
        return graph
    g = graph.copy()
    spec, opts = plan.spec, plan.options
    for name in names:
        lif = node_of(g, name, FixedLIF)
        for index, (delay, value) in enumerate(taps(lif.effective_threshold(), *chip_keeps(lif), lif.act_shift)):
            for part, (mant, exp) in enumerate(tap_parts(value, spec.weight_max, opts.rounding, opts.weight_split)):
                syn = part_name(name, index, part)
                n = lif.shape[0]
                g.add(syn, with_origin(FixedLinear(
                    weight=np.eye(n, dtype=np.int64) * mant, weight_exp=exp,
                    sign_mode=SignMode.INHIBITORY if mant < 0 else SignMode.EXCITATORY,
                    num_weight_bits=opts.weight_bits or spec.weight_mantissa_bits, **spec.synapse_fields(),
                ), PASS, [name], tap=index, part=part).with_meta(**{LAG: int(lags.get(name, 0))}))
                g.connect(name, syn)
                g.connect(syn, name, delay)
    return g

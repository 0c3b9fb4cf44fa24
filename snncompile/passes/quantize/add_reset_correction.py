"""add_reset_correction: make snnTorch's delayed subtract reset exact on the chip.

snnTorch subtracts the threshold *after* the next decay, ``v[t+1] = β v[t] + I - θ s[t]``;
the core subtracts it at once, ``v[t+1] = β (v[t] - θ s[t]) + I``, i.e. ``(1 - β) θ`` too
little per spike. A self-connection restores the difference: the neuron's own spike of
step ``t`` reaches its current at ``t + 1`` through a diagonal synapse holding
``-x = -(vth << vth_shift) · dv / 2**decay_bits`` (in ``u`` units, ``>> act_shift``),
which enters ``v`` once. A current-based neuron keeps part of that injection
(``u`` decays by ``α = (D - du - 1) / D``), so a second diagonal synapse delayed by one
more step adds ``+α x`` and cancels it. Left: the rounding of ``x`` to a mantissa
(at most half an ``act_shift`` unit per spike) and the cores' truncations.

Only 1-D populations (a diagonal dense synapse); others keep the approximation and its
note. A neuron with a refractory period needs no correction: the step after a spike holds
``v[t] - θ`` undecayed in both forms.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Graph, ResetTiming, SpikingNeuron
from snncompile.ir.fixed import FixedLIF, FixedLinear, SignMode
from snncompile.passes.quantize.choose_scales import ScalePlan
from snncompile.passes.quantize.numbers import exponent_for, to_int
from snncompile.passes.rewrite import node_of

SUFFIX = ".reset_fix"


def needs_correction(node: object) -> bool:
    return (isinstance(node, SpikingNeuron) and node.reset.value == "subtract"
            and node.reset_timing is ResetTiming.DELAYED and len(node.shape) == 1 and not node.refractory)


def add_reset_correction(graph: Graph, prepared: Graph, plan: ScalePlan, lags: dict[str, int]) -> Graph:
    """Returns the graph with the correcting self-connections; adds their lags to ``lags``."""
    names = [n for n in plan.layers if needs_correction(prepared.nodes[n])]
    if not names:
        return graph
    g = graph.copy()
    spec, opts = plan.spec, plan.options
    for name in names:
        lif = node_of(g, name, FixedLIF)
        x = lif.effective_threshold() * lif.dv / 2.0**lif.decay_bits / 2.0**lif.act_shift
        alpha = ((1 << lif.decay_bits) - lif.du - 1) / (1 << lif.decay_bits)
        taps = [(1, -x)] + ([(2, alpha * x)] if lif.du < (1 << lif.decay_bits) - 1 else [])
        for index, (delay, value) in enumerate(taps):
            # one input per row: a non-negative exponent only when the mantissa would not fit
            exp = max(exponent_for(abs(value), spec.weight_max), 0)
            mant = int(to_int(value / 2.0**exp, opts.rounding))
            if mant == 0:
                continue
            syn = f"{name}{SUFFIX}{index + 1 if index else ''}"
            n = lif.shape[0]
            g.add(syn, FixedLinear(
                weight=np.eye(n, dtype=np.int64) * mant, weight_exp=exp,
                sign_mode=SignMode.INHIBITORY if mant < 0 else SignMode.EXCITATORY,
                num_weight_bits=opts.weight_bits or spec.weight_mantissa_bits, **spec.synapse_fields(),
            ))
            g.connect(name, syn)
            g.connect(syn, name, delay)
            lags[syn] = lags[name]
    return g

"""add_bias_sources: give Linear biases into current-based neurons an exact integer form.

The float model adds a Linear's bias ``b`` to the synaptic input every step, so it is
filtered by the current (``i`` grows as ``b (1 - syn_decay**t) / (1 - syn_decay)``).
A neuron bias cannot reproduce that transient. An input that is always on can: a
``Constant`` source ``bias_source`` that sends 1 every step (on a chip, a host-loaded
ring buffer or a neuron that fires every step) feeds a one-column synapse
``<linear>.bias`` holding ``b`` on the layer's scale, exactly like any other synapse. The
source sends from step 0; the bias edge is delayed so that the bias reaches each neuron
at the neuron's own float step 0 (fixed step ``lag``).

With ``parts=2`` (``bias_split=2``) each column gets a residual twin (``parts=3``: up to
two, though a column's exponent stays >= 0, so a second rarely remains), and the register a
correction: a column holds ``b`` to one unit of ``u`` input (``2**act_shift`` units of ``v``) at best,
and a bias is there every step: its rounding ``δ`` (``v`` units per step into ``u``)
shifts the membrane's steady state by ``δ / (1 - α)`` per step (``α``: the ``u`` the
neuron keeps). The neuron's bias register, which adds to ``v`` in single ``v`` units,
takes that steady-state difference back (``-δ / (1 - α)``, rounded to the register):
the column keeps the transient, the register the last bits. The amount added is in the
neuron's meta (``bias_correction``, ``v`` units per neuron), for the error budget. A
neuron whose current never decays (``α = 1``) gets no correction.

The pass is pure: the nodes it adds carry their lag (0) and their origin in ``meta``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np

from snncompile.ir import Constant, Graph
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.placement import LAG, with_origin
from snncompile.passes.quantize.add_residual_weights import residual_chain, residual_suffix
from snncompile.passes.quantize.choose_scales import BIAS_SUFFIX, ScalePlan, effective_weight
from snncompile.passes.quantize.numbers import split_bias
from snncompile.passes.quantize.quantize_weights import fixed_synapse
from snncompile.passes.rewrite import node_of

SOURCE = "bias_source"
PASS = "add_bias_sources"
#: meta key of a neuron whose register took the columns' rest (``v`` units per neuron)
BIAS_CORRECTION = "bias_correction"


def add_source(graph: Graph) -> str:
    """The always-on source (a Constant 1 of shape (1,)) in ``graph`` (a copy the caller
    owns), added if absent."""
    if SOURCE not in graph.nodes:
        graph.add(SOURCE, Constant(value=np.ones(1), meta={LAG: 0}))
    return SOURCE


def biased_synapses(prepared: Graph, plan: ScalePlan) -> list[tuple[str, str]]:
    """(Linear, neuron) pairs whose bias the source must carry."""
    return [(syn.name[: -len(BIAS_SUFFIX)], name) for name, lay in plan.layers.items()
            for syn in lay.synapses if syn.name.endswith(BIAS_SUFFIX) and syn.name not in prepared.nodes]


def add_bias_sources(graph: Graph, prepared: Graph, plan: ScalePlan, lags: Mapping[str, int],
                     parts: int = 1) -> Graph:
    """The graph with the source and bias synapses (``lags``: of the nodes already there);
    ``parts >= 2`` gives each column up to ``parts - 1`` residuals ``<column>.lo``,
    ``.lo2`` (exponent at least 0: one always-on input) and each neuron's register the
    columns' steady-state rest."""
    pairs = biased_synapses(prepared, plan)
    if not pairs:
        return graph
    g = graph.copy()
    add_source(g)
    missing: dict[str, np.ndarray] = {}  # neuron -> sum of exact - chip column values (v units into u)
    for linear, neuron in pairs:
        name = linear + BIAS_SUFFIX
        main = cast(FixedSynapse, with_origin(fixed_synapse(prepared, name, plan, node=prepared.nodes[linear]),
                                              PASS, [linear]))
        columns = {name: main}
        for level, twin in enumerate(residual_chain(prepared, name, plan, main, parts, min_exp=0), start=1):
            columns[name + residual_suffix(level)] = twin
        for column, node in columns.items():
            g.add(column, node.with_meta(**{LAG: 0}))
            g.connect(SOURCE, column)
            for e in graph.edges:
                if e.src == linear and e.dst == neuron:
                    # the float bias enters at float step d (the edge's float delay) = fixed step d + lag
                    g.connect(column, neuron, e.delay + lags[linear])
        chip = sum(c.effective_weight()[:, 0] * 2.0 ** (c.weight_exp + plan.spec.activation_shift)
                   for c in columns.values())
        missing[neuron] = missing.get(neuron, 0.0) + exact_column(prepared, name, plan) - chip
    if parts >= 2:
        for neuron, delta in missing.items():
            g.nodes[neuron] = corrected(node_of(g, neuron, FixedLIF), delta, plan)
    return g


def exact_column(prepared: Graph, name: str, plan: ScalePlan) -> np.ndarray:
    """The real value bias column ``name`` stands for, ``v`` units into ``u`` per step."""
    chosen, _ = plan.for_synapse(name)  # type: ignore[misc]
    return (chosen.scale * effective_weight(prepared, chosen.layer, name))[:, 0]


def corrected(lif: FixedLIF, delta: np.ndarray, plan: ScalePlan) -> FixedLIF:
    """``lif`` with ``δ / (1 - α)`` added to its bias register (module docstring)."""
    unity = 1 << lif.decay_bits
    keep = (unity - lif.du - 1) / unity
    if keep >= 1:
        return lif
    target = lif.effective_bias().astype(np.float64) + np.broadcast_to(delta / (1 - keep), lif.shape)
    mant, exp, _ = split_bias(target, plan.spec, plan.options.rounding)
    new = cast(FixedLIF, lif.replace(bias_mant=mant, bias_exp=exp))
    added = new.effective_bias() - lif.effective_bias()
    return cast(FixedLIF, new.with_meta(**{BIAS_CORRECTION: added.reshape(-1).astype(int).tolist()}))

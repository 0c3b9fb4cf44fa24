"""add_bias_sources: give Linear biases into current-based neurons an exact integer form.

The float model adds a Linear's bias ``b`` to the synaptic input every step, so it is
filtered by the current (``i`` grows as ``b (1 - syn_decay**t) / (1 - syn_decay)``).
A neuron bias cannot reproduce that transient. An input that is always on can: a
``Constant`` source ``bias_source`` that sends 1 every step (on a chip, a host-loaded
ring buffer or a neuron that fires every step) feeds a one-column synapse
``<linear>.bias`` holding ``b`` on the layer's scale, exactly like any other synapse. The
source sends from step 0; the bias edge is delayed so that the bias reaches each neuron
at the neuron's own float step 0 (fixed step ``lag``).
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Constant, Graph
from snncompile.passes.quantize.choose_scales import BIAS_SUFFIX, ScalePlan
from snncompile.passes.quantize.quantize_weights import fixed_synapse

SOURCE = "bias_source"


def add_source(graph: Graph) -> str:
    """The always-on source (a Constant 1 of shape (1,)) in ``graph``, added if absent."""
    if SOURCE not in graph.nodes:
        graph.add(SOURCE, Constant(value=np.ones(1)))
    return SOURCE


def biased_synapses(prepared: Graph, plan: ScalePlan) -> list[tuple[str, str]]:
    """(Linear, neuron) pairs whose bias the source must carry."""
    return [(syn.name[: -len(BIAS_SUFFIX)], name) for name, lay in plan.layers.items()
            for syn in lay.synapses if syn.name.endswith(BIAS_SUFFIX) and syn.name not in prepared.nodes]


def add_bias_sources(graph: Graph, prepared: Graph, plan: ScalePlan, lags: dict[str, int]) -> Graph:
    """Returns the graph with the source and bias synapses; adds their lags (0) to ``lags``."""
    pairs = biased_synapses(prepared, plan)
    if not pairs:
        return graph
    g = graph.copy()
    add_source(g)
    for linear, neuron in pairs:
        name = linear + BIAS_SUFFIX
        g.add(name, fixed_synapse(prepared, name, plan, node=prepared.nodes[linear]))
        g.connect(SOURCE, name)
        for e in graph.edges:
            if e.src == linear and e.dst == neuron:
                # the float bias enters at float step d (the edge's float delay) = fixed step d + lag
                g.connect(name, neuron, e.delay + lags[linear])
    for name in g.nodes:
        lags.setdefault(name, 0)
    return g

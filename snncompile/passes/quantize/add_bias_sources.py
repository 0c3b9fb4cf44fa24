"""add_bias_sources: give Linear biases into current-based neurons an exact integer form.

The float model adds a Linear's bias ``b`` to the synaptic input every step, so it is
filtered by the current (``i`` grows as ``b (1 - syn_decay**t) / (1 - syn_decay)``).
A neuron bias cannot reproduce that transient. An input that is always on can: a source
neuron that spikes every step (``vth = 0``, ``bias = 1``, no decay, zero reset) feeds a
one-column synapse ``<linear>.bias`` holding ``b`` on the layer's scale, exactly like
any other synapse. The source spikes from step 0; the bias edge is delayed so that the
bias reaches each neuron at the neuron's own float step 0 (fixed step ``lag``).

The source needs an incoming edge to be a valid graph node: it hangs off the first
Input through an all-zero synapse (``bias_source.in``), which never contributes.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Flatten, Graph, Input
from snncompile.ir.fixed import FixedLIF, FixedLinear, SignMode
from snncompile.passes.quantize.choose_scales import BIAS_SUFFIX, ScalePlan
from snncompile.passes.quantize.quantize_weights import fixed_synapse
from snncompile.passes.rewrite import node_of

SOURCE = "bias_source"


def biased_synapses(prepared: Graph, plan: ScalePlan) -> list[tuple[str, str]]:
    """(Linear, neuron) pairs whose bias the source must carry."""
    return [(syn.name[: -len(BIAS_SUFFIX)], name) for name, lay in plan.layers.items()
            for syn in lay.synapses if syn.name.endswith(BIAS_SUFFIX) and syn.name not in prepared.nodes]


def add_bias_sources(graph: Graph, prepared: Graph, plan: ScalePlan, lags: dict[str, int]) -> Graph:
    """Returns the graph with the source and bias synapses; adds their lags (0) to ``lags``."""
    pairs = biased_synapses(prepared, plan)
    if not pairs:
        return graph
    spec = plan.spec
    g = graph.copy()
    src = g.inputs[0]
    shape = node_of(g, src, Input).shape
    width = int(np.prod(shape))
    if len(shape) != 1:
        g.add(f"{SOURCE}.flatten", Flatten())
        g.connect(src, f"{SOURCE}.flatten")
        src = f"{SOURCE}.flatten"
    g.add(f"{SOURCE}.in", FixedLinear(weight=np.zeros((1, width), np.int64), sign_mode=SignMode.EXCITATORY,
                                      weight_bits=spec.weight_mantissa_bits,
                                      num_weight_bits=plan.options.weight_bits or spec.weight_mantissa_bits))
    g.connect(src, f"{SOURCE}.in")
    g.add(SOURCE, FixedLIF(
        shape=(1,), du=2**spec.du_bits - 1, dv=0, vth=0, bias_mant=np.ones((), np.int64), bias_exp=np.zeros((), np.int64),
        state_bits=spec.v_bits, decay_bits=spec.dv_bits, vth_bits=spec.threshold_mant_bits,
        bias_bits=spec.bias_mant_bits, vth_shift=spec.threshold_shift, act_shift=spec.activation_shift,
    ))
    g.connect(f"{SOURCE}.in", SOURCE, spec.synapse_latency)
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

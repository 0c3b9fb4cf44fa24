"""Quantization: lower a float IR graph to the integer IR (Loihi convention).

``quantize(graph, target, options, calibrate, capabilities)`` runs, validating after
each pass:

1. ``inline_synapse_sums``, ``fold_batchnorm``, ``fold_pool_into_synapse``, ``fold_scale_into_weights`` (and
   ``split_mixed_sign`` when asked) — exact float rewrites;
2. with ``capabilities`` (a target's :class:`~snncompile.passes.partition.Capabilities`):
   ``partition`` (every node chip or host) and ``add_chip_entries`` (host values into
   chip neurons through an identity synapse; after the scales, ``add_entry_boundaries``
   puts a Quantize before it); host nodes stay float and are carried into the compiled
   graph as they are. Without it, every node must have an integer form;
   ``fold_synapse_bias`` — synapse biases into neuron biases (exact without current
   memory, steady state with it);
3. ``choose_scales`` — one scale per layer, one exponent per synapse (optionally from
   the float state's ranges on ``calibrate`` input);
4. ``quantize_neurons``, ``quantize_weights`` — FixedLIF / FixedLinear / FixedConv2d;
5. ``add_synapse_latency`` — the target's per-stage latency as edge delays;
6. ``add_bias_sources`` — Linear biases into current-based neurons as an always-on
   source neuron and one-column synapses (exact);
7. ``add_reset_correction`` — a delayed subtract reset (snnTorch) as the chip's immediate
   subtract plus a diagonal self-connection that restores the difference (on targets
   with delays whose synaptic inputs sum);
8. ``order_event_delivery`` — where events saturate one at a time, each neuron's
   synapses in the order the chip delivers them.

It returns the fixed graph, the plan and a :class:`QuantizationReport`. With the option
``retime_recurrences`` the float graph is first :func:`source_graph` (loops short of
delay for the synapse latency lengthened, each change noted).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Graph, ResetTiming, SpikingNeuron
from snncompile.ir.arithmetic import Accumulate, DecayEncoding
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.placement import LAG, complete_placements, on_host
from snncompile.ir.stage import is_integer
from snncompile.passes.add_chip_entries import (
    add_chip_entries,
    add_entry_boundaries,
    start_boundaries,
)
from snncompile.passes.fold_batchnorm import fold_batchnorm
from snncompile.passes.fold_batchnorm_into_neuron import fold_batchnorm_into_neuron
from snncompile.passes.fold_pool_into_synapse import fold_pool_into_synapse
from snncompile.passes.fold_scale_into_threshold import fold_scale_into_threshold
from snncompile.passes.fold_scale_into_weights import fold_scale_into_weights
from snncompile.passes.fold_synapse_bias import (
    bias_fold_is_exact,
    fold_synapse_bias,
    has_bias,
    keeps_bias,
)
from snncompile.passes.inline_synapse_sums import inline_synapse_sums
from snncompile.passes.lower_maxpool import lower_maxpool
from snncompile.passes.mark_static import mark_static
from snncompile.passes.merge_adds_into_neurons import merge_adds_into_neurons
from snncompile.passes.partition import Capabilities, Partition, partition
from snncompile.passes.pipeline import Pass, run_pipeline
from snncompile.passes.quantize.add_bias_sources import add_bias_sources
from snncompile.passes.quantize.add_delayed_biases import add_delayed_biases
from snncompile.passes.quantize.add_reset_correction import add_reset_correction, needs_correction
from snncompile.passes.quantize.add_residual_weights import add_residual_weights
from snncompile.passes.quantize.add_synapse_latency import (
    add_synapse_latency,
    node_lags,
    timing_problems,
)
from snncompile.passes.quantize.calibrate import measure_ranges
from snncompile.passes.quantize.choose_scales import ScalePlan, choose_scales
from snncompile.passes.quantize.layers import Layer, find_layers
from snncompile.passes.quantize.options import QuantizeOptions
from snncompile.passes.quantize.order_event_delivery import order_event_delivery
from snncompile.passes.quantize.quantize_neurons import (
    comparator_for,
    decay_constants,
    input_compensation,
    max_spikes,
    quantize_neurons,
)
from snncompile.passes.quantize.quantize_weights import quantize_weights
from snncompile.passes.quantize.report import QuantizationReport, render_report
from snncompile.passes.quantize.report_build import build_report
from snncompile.passes.quantize.spec import FixedPointSpec, spec_from_target
from snncompile.passes.reassociate_attention import reassociate_attention
from snncompile.passes.retime_recurrences import retime_recurrences, timing_changes
from snncompile.passes.split_mixed_sign import split_mixed_sign
from snncompile.passes.split_spike_adds import split_spike_adds

#: float → float lowerings, in order (each exact: see its module)
FLOAT_PASSES = [
    Pass("inline_synapse_sums", inline_synapse_sums),
    Pass("fold_batchnorm", fold_batchnorm),
    Pass("fold_batchnorm_into_neuron", fold_batchnorm_into_neuron),
    Pass("lower_maxpool", lower_maxpool),
    Pass("fold_pool_into_synapse", fold_pool_into_synapse),
    Pass("fold_scale_into_weights", fold_scale_into_weights),
    Pass("fold_scale_into_threshold", fold_scale_into_threshold),
    Pass("reassociate_attention", reassociate_attention),
    Pass("split_spike_adds", split_spike_adds),
    Pass("merge_adds_into_neurons", merge_adds_into_neurons),
]


@dataclass(frozen=True)
class Quantized:
    """``fixed``: the compiled graph (integer chip nodes, float host nodes when
    partitioned); ``prepared``: the float graph the scales were chosen on (after folding,
    partition and entries); ``plan``, ``report``; ``lags``: steps each fixed node trails
    the float graph; ``partition``: the labelled float graph and host reasons (None when
    compiled without capabilities)."""

    fixed: Graph
    prepared: Graph
    plan: ScalePlan
    report: QuantizationReport
    lags: Mapping[str, int]
    partition: Partition | None = None


def quantize(graph: Graph, target: Any, options: QuantizeOptions | None = None,
             calibrate: Mapping[str, np.ndarray] | np.ndarray | None = None,
             capabilities: Capabilities | None = None) -> Quantized:
    spec = spec_from_target(target)
    options = options or QuantizeOptions()
    graph, retimed = source_graph(graph, spec, options)
    folded, parts = partition_float(graph, options, capabilities)
    if parts is not None:
        folded = run_pipeline(parts.graph, [Pass("add_chip_entries", add_chip_entries)])
    asked, options = options, chip_options(options, spec)
    notes = retimed + approximation_notes(folded, spec)
    if options is not asked:
        notes.append(f"bias_timing 'exact' needs delays, which '{spec.target}' has not: biases stay in their "
                     "registers (they start at chip step 0)")
    prepared = run_pipeline(folded, [Pass("fold_synapse_bias", fold_synapse_bias)])
    layers = find_layers(prepared)
    ranges = measure_ranges(prepared, layers, calibrate, options.percentile) if calibrate is not None else None
    layers = compensate_input_decay(prepared, layers, ScalePlan(spec, options))
    plan = choose_scales(prepared, layers, spec, options, ranges)
    notes += arithmetic_notes(prepared, plan)
    integer = [
        Pass("quantize_neurons", partial(quantize_neurons, plan=plan)),
        Pass("quantize_weights", partial(quantize_weights, plan=plan)),
        Pass("add_entry_boundaries", partial(add_entry_boundaries, plan=plan)),
    ]
    if options.weight_split == 2:
        integer.append(Pass("add_residual_weights",
                            partial(add_residual_weights, prepared=prepared, plan=plan, notes=notes)))
    fixed = run_pipeline(prepared, integer)
    left = [f"'{n}' ({node.kind})" for n, node in fixed.items() if not is_integer(node) and not on_host(node)]
    if left:
        raise UnsupportedError(f"no integer form for node(s) {', '.join(left)}")
    latency: dict[str, Any] = dict(latency=spec.synapse_latency, input_latency=spec.input_steps)
    notes += timing_problems(fixed, **latency)
    lags = node_lags(fixed, **latency)  # on the float timing: the step order is the float one
    fixed = start_boundaries(fixed, lags)
    fixed = run_pipeline(fixed, [Pass("add_synapse_latency", partial(add_synapse_latency, **latency))])
    late = [Pass("add_bias_sources", partial(add_bias_sources, prepared=prepared, plan=plan, lags=lags))]
    if corrects_reset(spec):
        late.append(Pass("add_reset_correction", partial(add_reset_correction, prepared=prepared, plan=plan,
                                                         lags=lags)))
    if options.bias_timing == "exact":
        late.append(Pass("add_delayed_biases", partial(add_delayed_biases, spec=spec, lags=lags, notes=notes,
                                                       parts=options.weight_split)))
    fixed = run_pipeline(fixed, late)
    notes += [f"'{n}': membrane readout ({prepared.nodes[n].kind}); its output is the integer v, "
              f"float value = v / {node.scale:g}" for n, node in fixed.items()
              if isinstance(node, FixedLIF) and node.reads_membrane]
    if spec.accumulate is Accumulate.SATURATE:
        fixed = run_pipeline(fixed, [Pass("order_event_delivery", order_event_delivery)])
    fixed = with_lags(complete_placements(fixed), lags)
    report = build_report(prepared, fixed, plan, lags, calibrate, ranges, notes)
    return Quantized(fixed, prepared, plan, report, lags, parts)


def source_graph(graph: Graph, spec: FixedPointSpec, options: QuantizeOptions) -> tuple[Graph, list[str]]:
    """The float model the compiled graph keeps: ``graph``, or with ``retime_recurrences``
    its loops lengthened for the chip's synapse latency, with a note per changed edge."""
    if not options.retime_recurrences:
        return graph, []
    retimed = retime_recurrences(graph, spec.synapse_latency)
    return retimed, [f"retime_recurrences: {c.describe()}" for c in timing_changes(graph, retimed)]


def with_lags(graph: Graph, lags: Mapping[str, int]) -> Graph:
    """Every node's lag in its meta (what compare and simulate align by)."""
    return Graph({n: node.with_meta(**{LAG: int(lags.get(n, 0))}) for n, node in graph.items()},
                 list(graph.edges), graph.dt)


def partition_float(graph: Graph, options: QuantizeOptions,
                    capabilities: Capabilities | None) -> tuple[Graph, Partition | None]:
    """The float lowerings, then (with ``capabilities``) every node labelled chip or host:
    (the lowered graph, the partition or None)."""
    passes = FLOAT_PASSES + ([Pass("split_mixed_sign", split_mixed_sign)] if options.split_sign else [])
    folded = run_pipeline(graph, passes)
    if capabilities is None:
        return folded, None
    return folded, partition(mark_static(folded), capabilities)


def chip_options(options: QuantizeOptions, spec: FixedPointSpec) -> QuantizeOptions:
    """The options the target can honour: a bias that starts with its input needs a
    delayed synapse, so a chip without delays keeps bias registers (noted)."""
    if options.bias_timing == "exact" and spec.max_delay < 1:
        return dataclasses.replace(options, bias_timing="register")
    return options


def corrects_reset(spec: FixedPointSpec) -> bool:
    """Whether snnTorch's delayed subtract can be corrected on this target: the
    correction is a self-connection of one and two steps that sums with the other
    inputs (not possible without delays, or where events saturate one by one)."""
    return spec.max_delay >= 1 and spec.accumulate is Accumulate.WRAP


def compensate_input_decay(graph: Graph, layers: list[Layer], plan: ScalePlan) -> list[Layer]:
    """Layers whose weights the core's decay of the input must be undone on
    (:func:`~snncompile.passes.quantize.quantize_neurons.input_compensation`)."""
    out = []
    for layer in layers:
        factor = input_compensation(layer.neuron, graph.nodes[layer.neuron], plan)  # type: ignore[arg-type]
        out.append(dataclasses.replace(layer, in_gain=layer.in_gain * factor) if factor != 1 else layer)
    return out


def arithmetic_notes(graph: Graph, plan: ScalePlan) -> list[str]:
    """Where the target's arithmetic differs from the float neuron's (comparator, decay
    encoding, spikes per step, current-free neurons) and which figures are assumed."""
    spec = plan.spec
    notes = []
    if spec.assumed:
        notes.append(f"target '{spec.target}': fixed-point arithmetic assumed, not published "
                     f"({', '.join(spec.assumed)}): see its descriptor")
    for name in plan.layers:
        node = graph.nodes[name]
        if isinstance(node, SpikingNeuron) and comparator_for(node, plan) is not node.comparator:
            notes.append(f"'{name}': '{node.comparator.value}' becomes '{comparator_for(node, plan).value}' "
                         f"(the target has only {list(spec.comparators)}): one unit of v")
        spikes = max_spikes(graph, name, node, spec)  # type: ignore[arg-type]
        if spikes > 1:
            notes.append(f"'{name}': the chip sends up to {spikes} spikes per step (subtract reset, one threshold "
                         "each); the float neuron sends one")
        if spec.encoding is DecayEncoding.SHIFT:
            du, dv = decay_constants(name, node, plan)  # type: ignore[arg-type]
            d = node.dynamics()  # type: ignore[attr-defined]
            notes.append(f"'{name}': bit-shift decays: membrane keeps 1 - 2^-{dv} = {1 - 2.0**-dv:.4g} "
                         f"(float {float(np.max(d.decay)):.4g}), current keeps 1 - 2^-{du} = {1 - 2.0**-du:.4g}"
                         + (f" (float {float(np.max(d.syn_decay)):.4g})" if d.has_current else
                            " (the float neuron keeps no current: the chip has no current-free neuron)"))
    return notes


def approximation_notes(graph: Graph, spec: FixedPointSpec | None = None) -> list[str]:
    """Where the integer graph can only approximate the float one (see the passes)."""
    notes = []
    for name, node in graph.items():
        if not isinstance(node, SpikingNeuron):
            continue
        biased = [e.src for e in graph.incoming(name) if has_bias(graph.nodes[e.src])
                  and not keeps_bias(graph, e.src, name)]
        if biased and not bias_fold_is_exact(node):
            notes.append(f"'{name}': synapse bias of {biased} folded into the neuron bias at its steady state "
                         "(the current filter's first steps differ)")
        if node.reset_timing is ResetTiming.DELAYED and node.reset.value == "subtract" and not node.refractory:
            if needs_correction(node) and (spec is None or corrects_reset(spec)):
                notes.append(f"'{name}': snnTorch's delayed subtract reset = the chip's immediate subtract plus a "
                             f"self-connection '{name}.reset_fix' restoring (1 - decay) * threshold per spike")
            else:
                notes.append(f"'{name}': snnTorch's delayed subtract reset becomes an immediate subtract "
                             "(the chip subtracts before the next decay: (1 - decay) * threshold less per spike)")
    return notes


__all__ = ["Capabilities", "FixedPointSpec", "partition_float", "QuantizationReport", "QuantizeOptions", "Quantized", "ScalePlan",
           "quantize", "render_report", "source_graph", "spec_from_target"]

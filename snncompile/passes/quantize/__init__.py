"""Quantization: lower a float IR graph to the integer IR (Loihi convention).

``quantize(graph, target, options, calibrate, capabilities)`` runs, validating after
each pass:

1. ``fold_batchnorm``, ``fold_pool_into_synapse``, ``fold_scale_into_weights`` (and
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
   subtract plus a diagonal self-connection that restores the difference.

It returns the fixed graph, the plan and a :class:`QuantizationReport`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import Graph, ResetTiming, SpikingNeuron
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
from snncompile.passes.lower_maxpool import lower_maxpool
from snncompile.passes.mark_static import mark_static
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
from snncompile.passes.quantize.layers import find_layers
from snncompile.passes.quantize.options import QuantizeOptions
from snncompile.passes.quantize.quantize_neurons import quantize_neurons
from snncompile.passes.quantize.quantize_weights import quantize_weights
from snncompile.passes.quantize.report import QuantizationReport, render_report
from snncompile.passes.quantize.report_build import build_report
from snncompile.passes.quantize.spec import FixedPointSpec, spec_from_target
from snncompile.passes.reassociate_attention import reassociate_attention
from snncompile.passes.split_mixed_sign import split_mixed_sign
from snncompile.passes.split_spike_adds import split_spike_adds

#: float → float lowerings, in order (each exact: see its module)
FLOAT_PASSES = [
    Pass("fold_batchnorm", fold_batchnorm),
    Pass("fold_batchnorm_into_neuron", fold_batchnorm_into_neuron),
    Pass("lower_maxpool", lower_maxpool),
    Pass("fold_pool_into_synapse", fold_pool_into_synapse),
    Pass("fold_scale_into_weights", fold_scale_into_weights),
    Pass("fold_scale_into_threshold", fold_scale_into_threshold),
    Pass("reassociate_attention", reassociate_attention),
    Pass("split_spike_adds", split_spike_adds),
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
    passes = FLOAT_PASSES + ([Pass("split_mixed_sign", split_mixed_sign)] if options.split_sign else [])
    folded = run_pipeline(graph, passes)
    parts = None
    if capabilities is not None:
        parts = partition(mark_static(folded), capabilities)
        folded = run_pipeline(parts.graph, [Pass("add_chip_entries", add_chip_entries)])
    notes = approximation_notes(folded)
    prepared = run_pipeline(folded, [Pass("fold_synapse_bias", fold_synapse_bias)])
    layers = find_layers(prepared)
    ranges = measure_ranges(prepared, layers, calibrate, options.percentile) if calibrate is not None else None
    plan = choose_scales(prepared, layers, spec, options, ranges)
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
    notes += timing_problems(fixed, spec.synapse_latency)
    lags = node_lags(fixed, spec.synapse_latency)  # on the float timing: the step order is the float one
    fixed = start_boundaries(fixed, lags)
    fixed = run_pipeline(fixed, [Pass("add_synapse_latency", partial(add_synapse_latency, latency=spec.synapse_latency))])
    late = [
        Pass("add_bias_sources", partial(add_bias_sources, prepared=prepared, plan=plan, lags=lags)),
        Pass("add_reset_correction", partial(add_reset_correction, prepared=prepared, plan=plan, lags=lags)),
    ]
    if options.bias_timing == "exact":
        late.append(Pass("add_delayed_biases", partial(add_delayed_biases, spec=spec, lags=lags, notes=notes,
                                                       parts=options.weight_split)))
    fixed = run_pipeline(fixed, late)
    notes += [f"'{n}': membrane readout ({prepared.nodes[n].kind}); its output is the integer v, "
              f"float value = v / {node.scale:g}" for n, node in fixed.items()
              if isinstance(node, FixedLIF) and node.reads_membrane]
    fixed = with_lags(complete_placements(fixed), lags)
    report = build_report(prepared, fixed, plan, lags, calibrate, ranges, notes)
    return Quantized(fixed, prepared, plan, report, lags, parts)


def with_lags(graph: Graph, lags: Mapping[str, int]) -> Graph:
    """Every node's lag in its meta (what compare and simulate align by)."""
    return Graph({n: node.with_meta(**{LAG: int(lags.get(n, 0))}) for n, node in graph.items()},
                 list(graph.edges), graph.dt)


def approximation_notes(graph: Graph) -> list[str]:
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
            if needs_correction(node):
                notes.append(f"'{name}': snnTorch's delayed subtract reset = the chip's immediate subtract plus a "
                             f"self-connection '{name}.reset_fix' restoring (1 - decay) * threshold per spike")
            else:
                notes.append(f"'{name}': snnTorch's delayed subtract reset becomes an immediate subtract "
                             "(the chip subtracts before the next decay: (1 - decay) * threshold less per spike)")
    return notes


__all__ = ["Capabilities", "FixedPointSpec", "QuantizationReport", "QuantizeOptions", "Quantized", "ScalePlan",
           "quantize", "render_report", "spec_from_target"]

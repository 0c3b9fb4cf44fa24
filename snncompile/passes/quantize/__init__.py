"""Quantization: lower a float IR graph to the integer IR (Loihi convention).

``quantize(graph, target, options, calibrate, capabilities)`` runs one declared
pipeline, :data:`QUANTIZE_STEPS`, over an explicit
:class:`~snncompile.passes.quantize.context.QuantizeContext` (target spec, options,
calibration input, capabilities; then what the analyses find: partition, prepared
graph, ranges, plan, lags, notes). Each step is one module's function, looked up there;
transforms are pure ``Graph -> Graph`` passes (validated after each), analyses record
into the context. In order:

1. :data:`FLOAT_PASSES` (exact float rewrites), ``split_mixed_sign`` when asked;
2. with ``capabilities`` (a target's :class:`~snncompile.passes.partition.Capabilities`):
   ``mark_static``, ``partition`` (every node chip or host) and ``add_chip_entries``
   (host values into chip neurons through an identity synapse); host nodes stay float.
   Without it, every node must have an integer form;
3. ``fold_synapse_bias`` (synapse biases into neuron biases), then the analyses
   ``measure_ranges`` (with ``calibrate``), ``choose_scales`` (one scale per layer, one
   exponent per synapse) and, with ``scale_search``, ``search_scales``;
4. :data:`INTEGER_STEPS`: ``quantize_neurons``, ``quantize_weights``,
   ``add_entry_boundaries``, ``add_payload_boundaries``, ``add_residual_weights`` (``weight_split`` 2 or 3), the lags
   (``node_lags``), ``start_boundaries``, ``add_synapse_latency``, ``add_bias_sources``,
   ``add_reset_correction``, ``add_delayed_biases`` (``bias_timing="exact"``),
   ``complete_placements`` and every node's lag in its meta.

It returns a :class:`Quantized`: the fixed graph, the prepared float graph, the plan, a
:class:`QuantizationReport` (built and rendered by :mod:`snncompile.reports`) and the
lags; :func:`error_budget` measures where the fixed graph's error comes from
(:mod:`snncompile.budget`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from snncompile.errors import SnnCompileError, UnsupportedError, one_line
from snncompile.ir import Graph, ResetTiming, SpikingNeuron
from snncompile.ir.arithmetic import Accumulate, DecayEncoding
from snncompile.ir.fixed import FixedLIF
from snncompile.ir.placement import LAG, complete_placements, on_host
from snncompile.ir.placement import lags as lags_of
from snncompile.ir.stage import is_integer
from snncompile.passes.add_chip_entries import (
    add_chip_entries,
    add_entry_boundaries,
    add_payload_boundaries,
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
from snncompile.passes.quantize.add_delayed_biases import add_delayed_biases, delayed_bias_notes
from snncompile.passes.quantize.add_reset_correction import add_reset_correction, needs_correction
from snncompile.passes.quantize.add_residual_weights import add_residual_weights, residual_notes
from snncompile.passes.quantize.add_synapse_latency import (
    add_synapse_latency,
    node_lags,
    timing_problems,
)
from snncompile.passes.quantize.calibrate import measure_ranges
from snncompile.passes.quantize.choose_precision import choose_precision, leaves_precision_open
from snncompile.passes.quantize.choose_scales import ScalePlan, choose_scales
from snncompile.passes.quantize.context import QuantizeContext, Step, analyze, run_steps, transform
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
from snncompile.passes.quantize.search_scales import search_scales
from snncompile.passes.quantize.spec import FixedPointSpec, spec_from_target
from snncompile.passes.reassociate_attention import reassociate_attention
from snncompile.passes.retime_recurrences import retime_recurrences, timing_changes
from snncompile.passes.split_mixed_sign import split_mixed_sign
from snncompile.passes.split_spike_adds import split_spike_adds
from snncompile.reports.build_quantization import build_report
from snncompile.reports.quantization import QuantizationReport
from snncompile.reports.render import render_report

if TYPE_CHECKING:
    from snncompile.budget.record import ErrorBudget

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


def with_lags(graph: Graph, lags: Mapping[str, int]) -> Graph:
    """Every node's lag in its meta (what compare and simulate align by): a node a late
    pass added keeps the lag it was given, the others get theirs from ``lags`` (0 when
    absent)."""
    return Graph({n: node if LAG in node.meta else node.with_meta(**{LAG: int(lags.get(n, 0))})
                  for n, node in graph.items()}, list(graph.edges), graph.dt)


def source_graph(graph: Graph, spec: FixedPointSpec, options: QuantizeOptions) -> tuple[Graph, list[str]]:
    """The float model the compiled graph keeps: ``graph``, or with ``retime_recurrences``
    its loops lengthened for the chip's synapse latency, with a note per changed edge."""
    if not options.retime_recurrences:
        return graph, []
    retimed = retime_recurrences(graph, spec.synapse_latency)
    return retimed, [f"retime_recurrences: {c.describe()}" for c in timing_changes(graph, retimed)]


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


@dataclass(frozen=True)
class Quantized:
    """``fixed``: the compiled graph (integer chip nodes, float host nodes when
    partitioned); ``prepared``: the float graph the scales were chosen on (after folding,
    partition and entries); ``plan``, ``report``; ``lags``: steps each fixed node trails
    the float graph; ``partition``: the labelled float graph and host reasons (None when
    compiled without capabilities); ``context``: the pipeline's final context;
    ``options``: the options it was compiled with (those given, or the ones
    :mod:`~snncompile.passes.quantize.choose_precision` chose)."""

    fixed: Graph
    prepared: Graph
    plan: ScalePlan
    report: QuantizationReport
    lags: Mapping[str, int]
    partition: Partition | None = None
    context: QuantizeContext | None = None
    options: QuantizeOptions | None = None


def _partition(graph: Graph, ctx: QuantizeContext) -> tuple[Graph, QuantizeContext]:
    parts = partition(graph, ctx.capabilities)
    return parts.graph, ctx.but(partition=parts)


def _ranges(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    assert ctx.calibrate is not None
    return ctx.but(ranges=measure_ranges(graph, find_layers(graph), ctx.calibrate, ctx.options.percentile))


def _plan(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    layers = compensate_input_decay(graph, find_layers(graph), ScalePlan(ctx.spec, ctx.options))
    plan = choose_scales(graph, layers, ctx.spec, ctx.options, ctx.ranges)
    return ctx.but(plan=plan).noted(arithmetic_notes(graph, plan))


def _source(graph: Graph, ctx: QuantizeContext) -> tuple[Graph, QuantizeContext]:
    model, notes = source_graph(graph, ctx.spec, ctx.options)
    return model, ctx.noted(notes)


def _chip_options(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    options = chip_options(ctx.options, ctx.spec)
    if options is ctx.options:
        return ctx
    return ctx.but(options=options).noted([
        f"bias_timing 'exact' needs delays, which '{ctx.spec.target}' has not: biases stay in their registers "
        "(they start at chip step 0)"])


def _integer_only(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    left = [f"'{n}' ({node.kind})" for n, node in graph.items() if not is_integer(node) and not on_host(node)]
    if left:
        raise UnsupportedError(f"no integer form for node(s) {', '.join(left)}")
    return ctx


def _timing(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    # on the float timing: the step order is the float one
    latency, input_latency = ctx.spec.synapse_latency, ctx.spec.input_steps
    return ctx.but(lags=node_lags(graph, latency, input_latency)).noted(timing_problems(graph, latency, input_latency))


def _final_lags(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    return ctx.but(lags=lags_of(graph))


def _readout_notes(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    assert ctx.prepared is not None
    return ctx.noted([f"'{n}': membrane readout ({ctx.prepared.nodes[n].kind}); its output is the integer v, "
                      f"float value = v / {node.scale:g}" for n, node in graph.items()
                      if isinstance(node, FixedLIF) and node.reads_membrane])


def _partitioned(ctx: QuantizeContext) -> bool:
    return ctx.capabilities is not None


def _exact_biases(ctx: QuantizeContext) -> bool:
    return ctx.options.bias_timing == "exact"


def _split(ctx: QuantizeContext) -> bool:
    return ctx.options.weight_split >= 2


def _searched(graph: Graph, ctx: QuantizeContext) -> QuantizeContext:
    assert ctx.plan is not None and ctx.ranges is not None and ctx.calibrate is not None

    def compile_plan(plan: ScalePlan) -> tuple[Graph, Mapping[str, int]]:
        fixed, done = run_steps(graph, ctx.but(plan=plan), INTEGER_STEPS)
        return fixed, done.lags

    reference = {n: r.spikes for n, r in ctx.ranges.items() if r.spikes is not None}
    return ctx.but(plan=search_scales(graph, ctx.plan, compile_plan, ctx.calibrate, reference))


def _search(ctx: QuantizeContext) -> bool:
    return ctx.options.scale_search and ctx.calibrate is not None and ctx.ranges is not None


#: from the prepared float graph and a plan to the compiled graph
INTEGER_STEPS: tuple[Step, ...] = (
    transform("quantize_neurons", quantize_neurons, plan="plan"),
    transform("quantize_weights", quantize_weights, plan="plan"),
    transform("add_entry_boundaries", add_entry_boundaries, plan="plan"),
    transform("add_payload_boundaries", add_payload_boundaries),
    transform("add_residual_weights", add_residual_weights, when=_split, prepared="prepared", plan="plan",
              parts=lambda c: c.options.weight_split),
    analyze("residual_notes", lambda g, c: c.noted(residual_notes(g))),
    analyze("integer_only", _integer_only),
    analyze("node_lags", _timing),
    transform("start_boundaries", start_boundaries, lags="lags"),
    transform("add_synapse_latency", add_synapse_latency, latency=lambda c: c.spec.synapse_latency,
              input_latency=lambda c: c.spec.input_steps),
    transform("add_bias_sources", add_bias_sources, prepared="prepared", plan="plan", lags="lags",
              parts=lambda c: c.options.bias_split),
    transform("add_reset_correction", add_reset_correction, when=lambda c: corrects_reset(c.spec), prepared="prepared",
              plan="plan", lags="lags"),
    analyze("delayed_bias_notes", lambda g, c: c.noted(delayed_bias_notes(g, c.spec, c.lags, c.options.bias_parts)),
            when=_exact_biases),
    transform("add_delayed_biases", add_delayed_biases, when=_exact_biases, spec="spec", lags="lags",
              parts=lambda c: c.options.bias_parts),
    analyze("readout_notes", _readout_notes),
    transform("order_event_delivery", order_event_delivery, when=lambda c: c.spec.accumulate is Accumulate.SATURATE),
    transform("complete_placements", complete_placements),
    transform("with_lags", with_lags, lags="lags"),
    analyze("final_lags", _final_lags),
)

#: the whole quantizer, in order (see the module docstring)
QUANTIZE_STEPS: tuple[Step, ...] = (
    Step("source_graph", _source, validate=True),
    *(transform(p.name, p.fn) for p in FLOAT_PASSES),
    transform("split_mixed_sign", split_mixed_sign, when=lambda c: c.options.split_sign),
    transform("mark_static", mark_static, when=_partitioned),
    Step("partition", _partition, when=_partitioned, validate=True),
    transform("add_chip_entries", add_chip_entries, when=_partitioned),
    analyze("chip_options", _chip_options),
    analyze("approximation_notes", lambda g, c: c.noted(approximation_notes(g, c.spec))),
    transform("fold_synapse_bias", fold_synapse_bias),
    analyze("prepared", lambda g, c: c.but(prepared=g)),
    analyze("measure_ranges", _ranges, when=lambda c: c.calibrate is not None and c.plan is None),
    analyze("choose_scales", _plan, when=lambda c: c.plan is None),
    analyze("search_scales", _searched, when=_search),
    *INTEGER_STEPS,
)


def quantize(graph: Graph, target: Any, options: QuantizeOptions | None = None,
             calibrate: Mapping[str, np.ndarray] | np.ndarray | None = None,
             capabilities: Capabilities | None = None, plan: ScalePlan | None = None,
             budget: bool = False, fits: Callable[[QuantizeOptions], bool] | None = None,
             readout: str = "count") -> Quantized:
    """Run :data:`QUANTIZE_STEPS` on ``graph``. ``plan``: use these scales instead of
    choosing them. With ``calibrate``, the precision of the weights may be chosen by the
    spikes they give (:mod:`~snncompile.passes.quantize.choose_precision`; ``fits``: whether
    the target can hold a compilation with the given options). With ``calibrate`` and
    ``budget``, the report holds the error budget on the calibration input's first
    :data:`BUDGET_SAMPLES` samples (:mod:`snncompile.budget`; it runs the graph about ten
    times; a value output's same class as ``readout`` decides, :mod:`snncompile.simulate.readout`)."""
    spec = spec_from_target(target)
    options = options or QuantizeOptions()

    def compile_with(opts: QuantizeOptions) -> Quantized:
        return _compile(graph, QuantizeContext(spec, opts, calibrate, capabilities, plan))

    done = compile_with(options)
    if calibrate is not None and plan is None and leaves_precision_open(options, spec):
        done, note = choose_precision(done, options, compile_with, fits)
        if note is not None:
            done = dataclasses.replace(done, report=dataclasses.replace(done.report, notes=done.report.notes + (note,)))
    if budget and calibrate is not None:
        report = done.report
        try:
            report = dataclasses.replace(report, budget=error_budget(graph, done, _first(calibrate, BUDGET_SAMPLES),
                                                                    readout=readout))
        except SnnCompileError as exc:  # a node the ideal emulator has no form for: say so, compile anyway
            report = dataclasses.replace(report, notes=report.notes + (f"error budget not measured: {one_line(str(exc))}",))
        done = dataclasses.replace(done, report=report)
    return done


def _compile(graph: Graph, ctx: QuantizeContext) -> Quantized:
    options = ctx.options
    fixed, ctx = run_steps(graph, ctx, QUANTIZE_STEPS)
    assert ctx.prepared is not None and ctx.plan is not None
    report = build_report(ctx.prepared, fixed, ctx.plan, ctx.lags, ctx.calibrate, ctx.ranges, list(ctx.notes))
    return Quantized(fixed, ctx.prepared, ctx.plan, report, ctx.lags, ctx.partition, ctx, options)


#: calibration samples the error budget in a compile report is measured on at most
BUDGET_SAMPLES = 64


def _first(inputs: Mapping[str, np.ndarray] | np.ndarray, n: int) -> Mapping[str, np.ndarray] | np.ndarray:
    return {k: v[:n] for k, v in inputs.items()} if isinstance(inputs, Mapping) else inputs[:n]


def untimed(graph: Graph, quantized: Quantized) -> Quantized:
    """``graph`` compiled again with the same scales for a target whose synapses add no
    latency: the compiled network on the float timing (the budget's ``lag`` exact)."""
    ctx = quantized.context
    assert ctx is not None
    spec = dataclasses.replace(ctx.spec, synapse_latency=0)
    return quantize(graph, spec, ctx.options, capabilities=ctx.capabilities, plan=quantized.plan, budget=False)


def error_budget(graph: Graph, quantized: Quantized, inputs: Mapping[str, np.ndarray] | np.ndarray,
                 labels: np.ndarray | None = None, readout: str = "count") -> ErrorBudget:
    """The error budget of ``quantized`` (compiled from float ``graph``) on ``inputs``;
    ``readout`` decides classes (:mod:`snncompile.simulate.readout`)."""
    from snncompile.budget.measure import Compiled, measure_budget

    flat = untimed(graph, quantized)

    def compiled(q: Quantized) -> Compiled:
        return Compiled(q.fixed, q.prepared, q.plan, q.lags)

    assert quantized.context is not None
    return measure_budget(graph, compiled(quantized), compiled(flat), inputs,
                          quantized.context.options.to_dict(), labels, readout)


__all__ = ["QUANTIZE_STEPS", "Capabilities", "FixedPointSpec", "QuantizationReport", "QuantizeContext",
           "QuantizeOptions", "Quantized", "ScalePlan", "error_budget", "partition_float", "quantize",
           "render_report", "source_graph", "spec_from_target", "untimed"]

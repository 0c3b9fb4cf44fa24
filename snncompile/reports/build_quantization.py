"""Fill a QuantizationReport from the plan, the graphs and (optionally) a calibration run."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from snncompile.errors import SnnCompileError
from snncompile.ir import Graph, NeuronNode
from snncompile.ir.fixed import FixedConv2d, FixedLIF, FixedSynapse
from snncompile.passes.quantize.add_residual_weights import dense_form, residual_suffix, unrolled
from snncompile.passes.quantize.calibrate import LayerRange
from snncompile.passes.quantize.choose_scales import ScalePlan, effective_weight, float_weight
from snncompile.passes.quantize.numbers import quantize_to_grid, split_bias, weight_grid
from snncompile.passes.quantize.options import MAX_PARTS
from snncompile.passes.rewrite import node_of
from snncompile.reports.quantization import LayerReport, QuantizationReport, SynapseReport


def build_report(prepared: Graph, fixed: Graph, plan: ScalePlan, lags: Mapping[str, int],
                 calibrate, ranges: Mapping[str, LayerRange] | None, notes: list[str]) -> QuantizationReport:
    spec, opts = plan.spec, plan.options
    agreement, more_notes = _calibration_agreement(fixed, plan, lags, calibrate, ranges)
    layers = []
    for name, chosen in plan.layers.items():
        neuron = node_of(fixed, name, FixedLIF)
        synapses = []
        for syn in chosen.synapses:
            real = chosen.scale * effective_weight(prepared, chosen.layer, syn.name)
            unit = 2.0 ** (spec.activation_shift + syn.weight_exp)
            grid = weight_grid(float_weight(prepared, syn.name), spec, opts.weight_bits)
            _, clipped = quantize_to_grid(real / unit, grid, opts.rounding)
            fixed_syn = node_of(fixed, syn.name, FixedSynapse)
            chip = chip_weight(fixed, syn.name, spec.activation_shift)
            if chip.shape != real.shape:  # a convolution compiled as a dense matrix
                real = unrolled(prepared, syn.name, real)
            norm = float(np.linalg.norm(real))
            synapses.append(SynapseReport(
                syn.name, fixed_syn.kind, syn.weight_exp, fixed_syn.resolved_sign_mode().value,
                clipped, float(np.linalg.norm(chip - real) / norm) if norm > 0 else 0.0,
            ))
        bias = node_of(prepared, name, NeuronNode).dynamics().bias * chosen.scale
        _, _, bias_clipped = split_bias(np.broadcast_to(bias, neuron.shape), spec, opts.rounding)
        rng = chosen.range
        agree = agreement.get(name, (None, None, None))
        layers.append(LayerReport(
            name=name, scale=chosen.scale, threshold_scale=chosen.threshold_scale, limited_by=chosen.limited_by,
            vth=neuron.vth, du=neuron.du, dv=neuron.dv, bias_clipped=bias_clipped, lag=int(lags[name]),
            synapses=tuple(synapses),
            u_peak=None if rng is None else rng.u_abs * chosen.scale / spec.state_max,
            v_peak=None if rng is None else rng.v_abs * chosen.scale / spec.state_max,
            spike_agreement=agree[0], float_spikes=agree[1], fixed_spikes=agree[2],
        ))
    return QuantizationReport(spec.target, opts.to_dict(), tuple(layers), tuple(notes + more_notes))


def chip_weight(fixed: Graph, name: str, act_shift: int) -> np.ndarray:
    """What synapse ``name`` adds to ``v`` per unit input on the chip: its effective
    mantissas times ``2**(weight_exp + act_shift)``, plus its residuals' (``.lo``, ``.lo2``)."""
    names = [name + residual_suffix(k) for k in range(MAX_PARTS)]
    parts = [fixed.nodes[p] for p in names if isinstance(fixed.nodes.get(p), FixedSynapse)]
    values = [p.effective_weight() * 2.0 ** (p.weight_exp + act_shift) for p in parts]  # type: ignore[attr-defined]
    if len({v.shape for v in values}) > 1:  # a convolution beside its unrolled residual: both as matrices
        shapes = fixed.infer_shapes()
        in_shape, out_size = fixed.input_shape(name, shapes), int(np.prod(shapes[name]))
        values = [dense_form(p, in_shape, out_size) * 2.0 ** (p.weight_exp + act_shift)  # type: ignore[attr-defined]
                  if isinstance(p, FixedConv2d) else v for p, v in zip(parts, values)]
    return np.sum(values, axis=0)


def _calibration_agreement(fixed, plan, lags, calibrate, ranges):
    """Per layer (agreement, float spike count, fixed spike count) on the calibration
    input, aligned by each layer's lag; empty when there is no calibration input or no
    emulator to run the fixed graph."""
    if calibrate is None or ranges is None:
        return {}, []
    from snncompile.compare import aligned_agreement
    from snncompile.simulate import get_backend

    try:
        emulate = get_backend("emulator")
    except SnnCompileError as exc:
        return {}, [f"spike agreement not measured: {exc}"]
    names = [n for n, r in ranges.items() if r.spikes is not None]  # readouts have no spikes
    if not names:
        return {}, []
    steps = ranges[names[0]].spikes.shape[1]
    extra = max((lags[n] for n in names), default=0)
    result = emulate(fixed, calibrate, steps=steps + extra, record=names)
    out = {}
    for name in names:
        ref = ranges[name].spikes
        agree = aligned_agreement(ref, result.recorded[name], lags[name])
        out[name] = (agree, int(ref.sum()), int(result.recorded[name][:, lags[name]:lags[name] + steps].sum()))
    return out, []

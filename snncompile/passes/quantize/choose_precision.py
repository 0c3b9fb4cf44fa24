"""choose_precision: single or multi-precision weights, chosen by the spikes they give.

Eight-bit mantissas (seven and a sign in a mixed-sign matrix) are enough for most
layers, and then a residual synapse per matrix only doubles the synaptic work. Some
trained networks are not: the NIR paper's zero-reset Braille graph, whose output layer
agrees with float on 70 % of its spikes with single-precision weights and on 99 % with
``weight_split=2, bias_split=2, scale_search=True`` (docs/quantization.md). A user who
did not choose should get the compilation that keeps the model's meaning, and be told
what it cost.

So, with calibration input, on a target whose synapses sum their inputs exactly (a
residual twin then adds what the main matrix rounded away; where events saturate one by
one it would not), and when the options leave precision to the quantizer
(``auto_precision`` set, ``weight_split == bias_split == 1``, no ``weight_bits``): the first compilation's
per-layer spike agreement on the calibration input (the quantization report measures it
anyway) is compared with :data:`AGREEMENT_TARGET`. Below it, the network is compiled
again with split weights and biases (:data:`SPLIT`) and, while the target is still not
met and the network is small enough to search (:data:`SEARCH_MAX_LAYERS`), with the
scale search too (:data:`SEARCHED`), then with three parts per weight matrix, bias
column and reset correction, searched (:data:`SPLIT3_SEARCHED`: the trained L2MU's
output layer goes from 98.3 % to 98.6 % over braille7_fold0 that way,
docs/quantization.md; a large network, whose compilations are slow, stops after
:data:`SPLIT`); the compilation whose worst layer agrees best is kept, and a note states the worst agreements, the synapses the residuals add and how to
keep single precision. A ``fits`` predicate (the target's mapping rules) can veto the
second compilation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from snncompile.ir.arithmetic import Accumulate
from snncompile.ir.fixed import FixedConv1d, FixedConv2d, FixedSynapse
from snncompile.passes.quantize.options import QuantizeOptions
from snncompile.passes.quantize.spec import FixedPointSpec

#: a chip layer agreeing with float on fewer of its calibration spikes than this gets
#: multi-precision weights (when they do better)
AGREEMENT_TARGET = 0.99

#: the options of the further compilations, tried in order while the target is not met
SPLIT = {"weight_split": 2, "bias_split": 2}
SEARCHED = {**SPLIT, "scale_search": True}
#: a second residual synapse (about 22 bits of weight, three times the synaptic work)
SPLIT3_SEARCHED = {"weight_split": 3, "bias_split": 3, "scale_search": True}

#: the scale search compiles each spiking layer at up to eight scales: tried only on
#: networks with at most this many chip layers and no chip convolution (a convolution's
#: residual is an unrolled dense matrix, slow to build eight times per layer)
SEARCH_MAX_LAYERS = 4


def leaves_precision_open(options: QuantizeOptions, spec: FixedPointSpec) -> bool:
    """Whether the quantizer may choose the precision: asked to, nothing chosen by the
    user (splits, weight bits), and a target whose synapses sum exactly."""
    return (options.auto_precision and options.weight_split == 1 and options.bias_split == 1
            and options.weight_bits is None and spec.accumulate is Accumulate.WRAP)


def worst_agreement(quantized: Any) -> tuple[str, float] | None:
    """(layer, agreement) of the chip layer whose calibration spikes agree least with
    float; None when the report measured none."""
    measured = [(lay.name, lay.spike_agreement) for lay in quantized.report.layers if lay.spike_agreement is not None]
    return min(measured, key=lambda item: item[1]) if measured else None


def synapse_count(quantized: Any) -> int:
    """Integer synapse nodes of the compiled graph."""
    return sum(isinstance(node, FixedSynapse) for node in quantized.fixed.nodes.values())


def tries(first: Any) -> list[dict[str, Any]]:
    """The option sets to try after ``first``, in order (module docstring)."""
    convolves = any(isinstance(node, FixedConv2d | FixedConv1d) for node in first.fixed.nodes.values())
    small = len(first.report.layers) <= SEARCH_MAX_LAYERS and not convolves
    return [SPLIT, SEARCHED, SPLIT3_SEARCHED] if small else [SPLIT]


def describe(changes: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in changes.items())


def choose_precision(first: Any, options: QuantizeOptions, recompile: Callable[[QuantizeOptions], Any],
                     fits: Callable[[QuantizeOptions], bool] | None = None) -> tuple[Any, str | None]:
    """``first``: the single-precision :class:`~snncompile.passes.quantize.Quantized`
    compiled with ``options``; ``recompile(options)``: the same compilation with other
    options. Returns the kept compilation and the note that says why (None when nothing
    was tried)."""
    worst = worst_agreement(first)
    if worst is None or worst[1] >= AGREEMENT_TARGET:
        return first, None
    single = (f"precision: single-precision weights agree with float on {worst[1]:.2%} of '{worst[0]}''s "
              f"calibration spikes (target {AGREEMENT_TARGET:.0%})")
    best, best_worst, chosen, vetoed = first, worst, None, ""
    for changes in tries(first):
        candidate_options = dataclasses.replace(options, auto_precision=False, **changes)
        if fits is not None and not fits(candidate_options):
            if chosen is None:
                return first, (f"{single}; multi-precision weights ({describe(changes)}) would break the target's "
                               "mapping rules, so single precision is kept")
            vetoed = f" ({describe(changes)} would break the target's mapping rules)"
            break  # keep the best compilation that fits
        candidate = recompile(candidate_options)
        found = worst_agreement(candidate)
        if found is not None and found[1] > best_worst[1]:
            best, best_worst, chosen = candidate, found, changes
        if best_worst[1] >= AGREEMENT_TARGET:
            break
    if chosen is None:
        return first, f"{single}; multi-precision weights did no better, so single precision is kept"
    added = synapse_count(best) - synapse_count(first)
    times = {2: "twice", 3: "three times"}[chosen["weight_split"]]
    return best, (f"{single}, so the weights were compiled with {describe(chosen)}: worst layer "
                  f"'{best_worst[0]}' {best_worst[1]:.2%}{vetoed}, {added} synapse(s) more (residuals: up to {times} the "
                  "synaptic work); auto_precision=False (CLI: --weight-split 1) keeps single precision")

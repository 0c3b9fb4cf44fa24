"""Measure an error budget: what each source of fixed-point error costs, per layer.

The float reference runs once; the ideal emulator (:mod:`snncompile.budget.ideal`) runs
the compiled graph with every source as the chip has it (``chip``: the integer
emulator's result), then once per source with only that source exact, and once with
every source exact on the graph compiled without synapse latency (``exact``: the float
model's spikes, when the budget is complete). ``lag`` exact is that untimed graph with
every other source as the chip has it. Spikes are compared on the float timeline (each
run shifted by its lags, as :mod:`snncompile.compare` does), outputs as compare compares
them. Classes (accuracy with labels; a value output's agreement: the share of samples given
the same class) are decided by ``readout`` (:mod:`snncompile.simulate.readout`, the same
registry and choice as compare and evaluate; default count); a regression readout decides
none: no accuracy, and outputs carrying values are left out of the output rows.

A source's *gain* is how much the agreement with float rises when that source alone is
exact. Sources interact (an error upstream changes what later rounding sees), so gains
need not add up to ``exact - chip``; the source with the largest gain summed over every
layer and output is named as the one to fix first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile.budget.exact import exact_parameters
from snncompile.budget.ideal import one_thread, run_ideal
from snncompile.budget.record import ErrorBudget, LayerBudget
from snncompile.budget.sources import SOURCES, remedy
from snncompile.ir import Graph, SpikingNeuron
from snncompile.ir.host import Quantize
from snncompile.simulate.readout import DEFAULT_READOUT, Readout, get_readout

#: sources switched inside one compiled graph (``lag`` switches graphs)
SWITCHED = ("weights", "decays", "threshold", "bias", "saturation", "boundary")


@dataclass(frozen=True)
class Compiled:
    """A compiled graph and what its exact parameters are computed from."""

    fixed: Graph
    prepared: Graph
    plan: Any  # ScalePlan
    lags: Mapping[str, int]


def measure_budget(float_graph: Graph, timed: Compiled, untimed: Compiled,
                   inputs: Mapping[str, np.ndarray] | np.ndarray, options: Mapping[str, Any],
                   labels: np.ndarray | None = None, readout: str = DEFAULT_READOUT) -> ErrorBudget:
    """The budget of ``timed`` (the compiled graph) on ``inputs``; ``untimed`` is the same
    network compiled with the same scales for a target without synapse latency;
    ``options``: the quantize options in effect (for the suggestion); ``readout``: the
    decision rule of accuracy and same class (a name in
    :data:`~snncompile.simulate.readout.READOUTS`)."""
    rule = get_readout(readout)
    with one_thread():
        return _measure(float_graph, timed, untimed, inputs, options, labels, rule)


def _measure(float_graph: Graph, timed: Compiled, untimed: Compiled, inputs: Mapping[str, np.ndarray] | np.ndarray,
             options: Mapping[str, Any], labels: np.ndarray | None, rule: Readout) -> ErrorBudget:
    from snncompile.compare import aligned
    from snncompile.simulate import simulate

    if not isinstance(inputs, Mapping):
        inputs = {float_graph.inputs[0]: np.asarray(inputs)}
    steps = int(np.asarray(next(iter(inputs.values()))).shape[1])
    layers = [n for n, node in float_graph.items() if isinstance(node, SpikingNeuron) and n in timed.fixed.nodes]
    outputs = [n for n in float_graph.outputs if n in timed.fixed.nodes]
    scored = labels is not None and len(outputs) == 1 and rule.classifies
    if not rule.classifies:  # a regression decides no class: only spike outputs are compared
        outputs = [o for o in outputs if _is_spikes(timed.fixed, o)]
    reference = simulate(float_graph, inputs, record=layers)
    switched = [s for s in SWITCHED if s != "boundary" or _has_boundary(timed.fixed)]
    runs = {"chip": (timed, ()), **{s: (timed, (s,)) for s in switched},
            "lag": (untimed, ()), "exact": (untimed, tuple(switched))}
    exact = {id(c): exact_parameters(c.fixed, c.prepared, c.plan) for c in (timed, untimed)}
    agreements: dict[str, dict[str, float]] = {}
    accuracy: dict[str, float] = {}
    for run, (compiled, sources) in runs.items():
        lags = {n: int(compiled.lags.get(n, 0)) for n in layers + outputs}
        result = run_ideal(compiled.fixed, exact[id(compiled)], sources, inputs,
                           steps + max(lags.values(), default=0), layers)
        agreements[run] = {n: _agree(reference.recorded[n], result.recorded[n], lags[n]) for n in layers}
        for o in outputs:
            agreements[run][o] = _output_agreement(compiled.fixed, o, reference.outputs[o], result.outputs[o],
                                                   lags[o], rule)
        if scored:
            accuracy[run] = _score(rule, aligned(result.outputs[outputs[0]], lags[outputs[0]], steps), labels)
    if scored:
        accuracy = {"reference": _score(rule, reference.outputs[outputs[0]], labels), **accuracy}
    sources = (*switched[:4], "lag", *switched[4:])

    def budget(name: str) -> LayerBudget:
        chip = agreements["chip"][name]
        return LayerBudget(name, chip, agreements["exact"][name],
                           {s: agreements[s][name] - chip for s in sources})

    layer_budgets = tuple(budget(n) for n in layers)
    output_budgets = tuple(budget(n) for n in outputs)
    largest = _largest(sources, (*layer_budgets, *output_budgets))
    return ErrorBudget(
        samples=int(np.asarray(next(iter(inputs.values()))).shape[0]), steps=steps, sources=sources,
        layers=layer_budgets, outputs=output_budgets, accuracy=accuracy, largest=largest,
        suggestion=remedy(largest, options) if largest else "", readout=rule.name,
    )


def _score(rule: Readout, outputs: np.ndarray, labels: Any) -> float:
    score = rule.score(outputs, labels)
    assert score is not None  # a classifying readout always scores
    return score


def _largest(sources: Sequence[str], parts: Sequence[LayerBudget]) -> str | None:
    """The source whose exactness raises agreement most summed over every layer and
    output (an early layer's error reaches the output through later ones that the
    output's own gain alone would hide); None when none raises it."""
    totals = {s: sum(b.gains[s] for b in parts) for s in sources}
    best = max(totals, key=lambda s: totals[s], default=None)
    return best if best is not None and totals[best] > 0 else None


def _has_boundary(graph: Graph) -> bool:
    return any(isinstance(node, Quantize) for node in graph.nodes.values())


def _agree(reference: np.ndarray, other: np.ndarray, lag: int) -> float:
    from snncompile.compare import aligned_agreement

    return aligned_agreement(reference, other, lag)


def _is_spikes(fixed: Graph, name: str) -> bool:
    """Whether output ``name`` carries spikes (not a membrane readout nor a host value)."""
    from snncompile.compare import readout_scale
    from snncompile.ir import is_spike_train

    return readout_scale(fixed, name) is None and is_spike_train(fixed, name)


def _output_agreement(fixed: Graph, name: str, reference: np.ndarray, other: np.ndarray, lag: int,
                      rule: Readout) -> float:
    """Spike outputs: the fraction of equal entries; outputs carrying values (membrane
    readouts, host results): of samples given the same class by ``rule`` (as
    :func:`snncompile.compare.compare_graphs`)."""
    from snncompile.compare import aligned

    ours = aligned(other, lag, reference.shape[1])
    if _is_spikes(fixed, name):
        return float(np.mean(reference == ours))
    same = rule.same_decision(reference, ours)
    assert same is not None  # value outputs are compared only under a classifying readout
    return same


def layer_names(budget: ErrorBudget) -> Sequence[str]:
    return [b.name for b in (*budget.layers, *budget.outputs)]


__all__ = ["SOURCES", "Compiled", "ErrorBudget", "LayerBudget", "measure_budget"]

"""choose_precision on the NIR paper's Braille networks (trained weights, real data):
calibrated on the first half of braille7_fold0, with DEFAULT options, the output layer
agrees with float on >= 95 % of the whole fold and the second half's accuracy is within
one point of float (issue 10's acceptance); single precision, which the default replaces
there, does not get close on the zero-reset graph. Networks that single precision
already serves keep it."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from snncompile.compare import compare_graphs
from snncompile.interop.nir import read_nir
from snncompile.ir import IF, Graph, Input, Linear, Output
from snncompile.ir.arithmetic import Accumulate
from snncompile.ir.fixed import FixedSynapse
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.passes.quantize.choose_precision import leaves_precision_open
from snncompile.passes.quantize.spec import spec_from_target

DATA = Path(__file__).parents[2] / "data"
GRAPHS = {"zero": ("braille_noDelay_bias_zero", "zero", "immediate"),
          "subtract": ("braille_noDelay_noBias_subtract", "subtract", "delayed")}


@pytest.fixture(scope="module")
def fold():
    data = np.load(DATA / "braille/braille7_fold0.npz")
    return data["spikes"].astype(np.float64), data["labels"]


def braille(which):
    name, reset, timing = GRAPHS[which]
    with pytest.warns(UserWarning, match="comparator"):
        return read_nir(DATA / f"nir_paper/03_rnn/{name}.nir", dt=1e-4, reset=reset, reset_timing=timing)


def measured(g, q, x, y):
    """(output-layer agreement over the whole fold, float and chip accuracy on the second half)."""
    half = len(x) // 2
    whole = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    test = compare_graphs(g, q.fixed, q.lags, x[half:], ["reference", "emulator"], labels=y[half:])
    return whole.pairs[0].layers[-1].agreement, test.accuracy["reference"], test.accuracy["emulator"]


def synapses(q):
    return sum(isinstance(n, FixedSynapse) for n in q.fixed.nodes.values())


@pytest.mark.parametrize("which", ["zero", "subtract"])
def test_default_options_keep_the_output_layer(fold, which):
    x, y = fold
    g = braille(which)
    q = quantize(g, "loihi2", calibrate=x[: len(x) // 2])
    output, float_acc, chip_acc = measured(g, q, x, y)
    assert output >= 0.99  # issue 10: >= 95 % with default options, >= 99 % with multi-precision weights
    assert chip_acc >= float_acc - 0.01
    assert q.options.weight_split == 2 and q.options.bias_split == 2 and not q.options.auto_precision
    note = next(n for n in q.report.notes if n.startswith("precision:"))
    assert "lif2" in note and "synapse(s) more" in note and "scale_search=True" in note


def test_single_precision_is_what_the_default_replaces(fold):
    """auto_precision=False: the zero-reset graph's output layer with 8-bit weights
    (measured 0.70), far below the target; the note is absent, the synapses fewer."""
    x, y = fold
    g = braille("zero")
    single = quantize(g, "loihi2", QuantizeOptions(auto_precision=False), calibrate=x[: len(x) // 2])
    output, _, _ = measured(g, single, x, y)
    assert output < 0.8
    assert not any(n.startswith("precision:") for n in single.report.notes)
    assert single.options.weight_split == 1
    chosen = quantize(g, "loihi2", calibrate=x[: len(x) // 2])
    assert synapses(chosen) > synapses(single)


def test_a_network_single_precision_serves_keeps_it():
    """Weights k/8 on an IF layer land on the 8-bit grid: every spike agrees, nothing is
    recompiled, no note."""
    rng = np.random.default_rng(3)
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=rng.integers(-8, 9, size=(3, 4)) / 8))
    g.add("n", IF(shape=(3,), threshold=1.0))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc", "n", "y")
    x = (rng.random((4, 30, 4)) < 0.5).astype(float)
    q = quantize(g, "loihi2", calibrate=x)
    assert q.report.layers[0].spike_agreement == 1.0 and q.report.layers[0].float_spikes > 0
    assert q.options.weight_split == 1 and not any(n.startswith("precision:") for n in q.report.notes)


def test_the_target_can_veto_multi_precision(fold):
    x, _ = fold
    q = quantize(braille("zero"), "loihi2", calibrate=x[:20], fits=lambda options: options.weight_split == 1)
    assert q.options.weight_split == 1
    assert any("would break the target's mapping rules" in n for n in q.report.notes)


def test_a_veto_of_a_later_try_keeps_the_best_that_fits():
    """The choice itself, with stand-in compilations: single precision 0.90, two parts
    0.97, three parts vetoed by the mapping rules: two parts are kept (not single)."""
    from types import SimpleNamespace

    from snncompile.passes.quantize.choose_precision import choose_precision

    def compiled(agreement, synapses):
        layer = SimpleNamespace(name="out", spike_agreement=agreement)
        return SimpleNamespace(report=SimpleNamespace(layers=[layer]), fixed=SimpleNamespace(
            nodes={f"s{i}": FixedSynapse.__new__(FixedSynapse) for i in range(synapses)}))

    first = compiled(0.90, 2)
    by_split = {2: compiled(0.97, 4), 3: compiled(0.995, 6)}
    kept, note = choose_precision(first, QuantizeOptions(), lambda o: by_split[o.weight_split],
                                  fits=lambda o: o.weight_split < 3)
    assert kept is by_split[2] and "weight_split=3" in note and "mapping rules" in note and "97.00%" in note


def test_no_calibration_no_choice(fold):
    q = quantize(braille("zero"), "loihi2")
    assert q.options.weight_split == 1 and not any(n.startswith("precision:") for n in q.report.notes)


def test_explicit_precision_and_saturating_targets_are_left_alone():
    spec = spec_from_target("loihi2")
    assert leaves_precision_open(QuantizeOptions(), spec)
    assert not leaves_precision_open(QuantizeOptions(weight_split=2), spec)
    assert not leaves_precision_open(QuantizeOptions(bias_split=2), spec)
    assert not leaves_precision_open(QuantizeOptions(auto_precision=False), spec)
    assert not leaves_precision_open(QuantizeOptions(weight_bits=6), spec)
    saturating = dataclasses.replace(spec, u_overflow="saturate", activation_shift=0)
    assert saturating.accumulate is Accumulate.SATURATE
    assert not leaves_precision_open(QuantizeOptions(), saturating)


def test_an_artifact_records_the_chosen_precision_and_explains_it(fold):
    """build_artifact stores the options the compilation used (not the ones given), so
    compare --explain's reproduction of the compilation (artifact_budget) succeeds."""
    from snncompile.budget.artifact import artifact_budget
    from snncompile.compile import build_artifact

    x, y = fold
    art = build_artifact(braille("zero"), "loihi2", calibrate=x[:20])
    assert art.provenance["options"]["weight_split"] == 2 and art.provenance["options"]["auto_precision"] is False
    assert any(n.startswith("precision:") for n in art.report.notes)
    budget = artifact_budget(art, x[:4], y[:4])
    assert all(part.exact == 1.0 for part in budget.layers)


@pytest.fixture(scope="module")
def l2mu():
    """The trained L2MU compiled for loihi2 as `snncompile compile` does (recurrences on
    the host), default options, calibrated on the first half of braille7_fold0."""
    from snncompile.passes.partition import Capabilities
    from snncompile.passes.quantize.spec import load_target_descriptor
    from snncompile.zoo.l2mu import WEIGHTS, braille, load_l2mu

    g, (x, y) = load_l2mu(WEIGHTS), braille("test")
    descriptor = load_target_descriptor("loihi2")
    q = quantize(g, spec_from_target(descriptor), calibrate={g.inputs[0]: x[: len(x) // 2]},
                 capabilities=Capabilities.of(descriptor))
    return g, q, x, y


def test_the_l2mu_with_default_options(l2mu):
    """Issue 10 for the L2MU: output agreement >= 95 % over the fold (measured 0.9859 with
    the three weight parts the default now chooses; 99 % is out of reach on Loihi 2's
    decay grid, see the next test and docs/quantization.md), accuracy on the second half
    within one point of float."""
    g, q, x, y = l2mu
    output, float_acc, chip_acc = measured(g, q, x, y)
    assert output >= 0.98
    assert chip_acc >= float_acc - 0.01
    assert q.options.weight_split == 3 and any(n.startswith("precision:") for n in q.report.notes)
    assert {"W_h.lo2", "h.reset_fix.lo"} <= set(q.fixed.nodes)


def test_what_keeps_the_l2mu_under_99_percent(l2mu):
    """The budget's ideal emulator over the whole fold on the default compilation: exact
    weights alone leave the output layer under 99 % (the third part took what weights
    cost); weights AND decays exact pass it. The decays are the target's 12-bit grid
    (``h`` keeps 2201/4096 of ``v`` per step for the float 0.537238, ``out`` 2830/4096
    for 0.690991), which no synapse can correct finer than one unit of input (64 ``v``
    units) per event (docs/quantization.md)."""
    from snncompile.budget.exact import exact_parameters
    from snncompile.budget.ideal import run_ideal
    from snncompile.compare import aligned_agreement
    from snncompile.simulate import simulate

    g, q, x, _ = l2mu
    reference = simulate(g, x, record=["out"]).recorded["out"]
    exact, lag = exact_parameters(q.fixed, q.prepared, q.plan), int(q.lags["out"])

    def agreement(*sources):
        run = run_ideal(q.fixed, exact, sources, {g.inputs[0]: x}, x.shape[1] + lag, ["out"])
        return aligned_agreement(reference, run.recorded["out"], lag)

    assert agreement("weights") < 0.99 <= agreement("weights", "decays")
    assert {(n, q.fixed.nodes[n].dv) for n in ("h", "out")} == {("h", 4096 - 2201), ("out", 4096 - 2830)}


def test_the_error_budget_of_a_mixed_graph(l2mu):
    """The budget on the partitioned L2MU (host recurrences, chip h and out): with every
    source exact the compiled graph computes the float model's spikes in every layer."""
    from snncompile.passes.quantize import error_budget

    g, q, x, y = l2mu
    budget = error_budget(g, q, {g.inputs[0]: x[:6]}, y[:6])
    assert {"h", "out"} <= {b.name for b in budget.layers}
    assert "boundary" in budget.sources  # host values entering the chip
    assert all(part.exact == 1.0 for part in budget.layers), [(p.name, p.exact) for p in budget.layers]

"""The error budget on the NIR paper's zero-reset Braille network: with every source
exact the compiled graph computes the float model's spikes; as compiled, weight rounding
is what costs the output layer its agreement."""

import pytest

from snncompile.budget.record import ErrorBudget
from snncompile.passes.quantize import QuantizeOptions, error_budget, quantize
from snncompile.reports.render import render_budget

from .conftest import braille


@pytest.fixture(scope="module")
def budget(spikes):
    x, y = spikes
    g = braille("zero")
    q = quantize(g, "loihi2", QuantizeOptions(auto_precision=False), calibrate=x[:20])  # single precision
    return error_budget(g, q, x[:16], y[:16])


def test_every_source_exact_is_the_float_model(budget):
    assert [b.name for b in budget.layers] == ["lif1.lif", "lif2"]
    for part in (*budget.layers, *budget.outputs):
        assert part.exact == 1.0, part.name
    assert budget.accuracy["exact"] == budget.accuracy["reference"]


def test_weight_rounding_dominates_the_output_layer(budget):
    out = budget.layers[-1]
    assert out.chip < 0.9  # the 70 %
    assert budget.largest == "weights" and out.largest == "weights"
    assert out.gains["weights"] > 0.2 and out.gains["weights"] > 5 * max(
        g for s, g in out.gains.items() if s != "weights")
    assert "--weight-split 2" in budget.suggestion


def test_the_budget_round_trips_and_renders(budget):
    assert ErrorBudget.from_dict(budget.to_dict()) == budget
    text = render_budget(budget, "on 16 samples")
    assert "largest source: weights" in text and "all exact" in text


def test_split_weights_and_biases_shrink_the_weight_source(spikes, budget):
    """The remedy the budget names: residual synapses for weights and bias columns
    (``weight_split=2, bias_split=2``) take most of the weight source away."""
    x, y = spikes
    g = braille("zero")
    q = quantize(g, "loihi2", QuantizeOptions(weight_split=2, bias_split=2), calibrate=x[:20])
    split = error_budget(g, q, x[:16], y[:16])
    before, after = budget.layers[-1], split.layers[-1]
    assert after.chip > before.chip + 0.1
    assert after.gains["weights"] < before.gains["weights"] / 2
    assert after.exact == 1.0


def test_the_readout_decides_the_budgets_accuracy():
    """The hand graph whose first spike and spike count disagree (tests/readout_cases.py):
    the budget's accuracy per run is the chosen readout's, as compare and evaluate score."""
    import numpy as np

    from tests.readout_cases import DECIDED, copy_graph, disagreeing_inputs

    g, x, labels = copy_graph(), disagreeing_inputs(), np.array([1, 0, 1])
    q = quantize(g, "loihi", QuantizeOptions(auto_precision=False), calibrate=x)
    for readout, decided in DECIDED.items():
        b = error_budget(g, q, x, labels, readout=readout)
        expected = float(np.mean(np.array(decided) == labels))  # count 1/3, first spike 2/3
        assert b.readout == readout and b.accuracy == {run: expected for run in ("reference", "chip", *b.sources,
                                                                                "exact")}
        assert ErrorBudget.from_dict(b.to_dict()) == b
        assert f"accuracy (readout {readout}): reference {expected:.4f}" in render_budget(b, "")
    from snncompile.compile import build_artifact

    # compile's report: the same rule (it has no labels: a value output's same class)
    assert build_artifact(g, "loihi", calibrate=x, budget=True, readout="first-spike").report.budget.readout == \
        "first-spike"
    regression = error_budget(g, q, x, labels, readout="rmse")  # no class: no accuracy; spike outputs still compared
    assert regression.accuracy == {} and [o.name for o in regression.outputs] == ["y"]


def test_a_value_outputs_same_class_is_the_readouts():
    """An output carrying values is compared by the class the readout gives it: the same
    spike counts but another first spike agree by count and differ by first spike."""
    import numpy as np

    from snncompile.budget.measure import _output_agreement
    from snncompile.ir import Graph, Input, Output
    from snncompile.simulate import get_readout

    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "y")
    a = np.zeros((1, 4, 2))
    a[0, 0, 1], a[0, 1:3, 0] = 0.5, 0.7  # first: 1, sum: 0
    b = np.zeros((1, 4, 2))
    b[0, 0, 0], b[0, 1, 1], b[0, 2, 0] = 0.7, 0.5, 0.7  # first: 0, sum: 0
    assert _output_agreement(g, "y", a, b, 0, get_readout("count")) == 1.0
    assert _output_agreement(g, "y", a, b, 0, get_readout("first-spike")) == 0.0

"""search_scales on the NIR paper's zero-reset Braille network: the scales it measures
give spikes that agree with the float model's at least as well as the rules' on the
calibration input (here much better), and a scale the options fix is left alone."""

from pathlib import Path

import numpy as np
import pytest

from snncompile.compare import compare_graphs
from snncompile.interop.nir import read_nir
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.passes.quantize.search_scales import WHY, searchable

DATA = Path(__file__).parents[2] / "data"


@pytest.fixture(scope="module")
def braille():
    g = read_nir(DATA / "nir_paper/03_rnn/braille_noDelay_bias_zero.nir", dt=1e-4, reset="zero")
    x = np.load(DATA / "braille/braille7_fold0.npz")["spikes"][:20].astype(np.float64)
    return g, x


def _output_agreement(g, q, x):
    return compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"]).pairs[0].layers[-1].agreement


def test_measured_scales_agree_better_on_the_calibration_input(braille):
    g, x = braille
    rules = quantize(g, "loihi2", QuantizeOptions(weight_split=2, bias_split=2), calibrate=x)
    searched = quantize(g, "loihi2", QuantizeOptions(weight_split=2, bias_split=2, scale_search=True), calibrate=x)
    assert any(lay.limited_by == WHY for lay in searched.plan.layers.values())
    before, after = _output_agreement(g, rules, x), _output_agreement(g, searched, x)
    assert after >= before and after > 0.97


def test_fixed_scales_are_not_searched(braille):
    g, x = braille
    q = quantize(g, "loihi2", QuantizeOptions(scale={"lif2": 2.0**17}), calibrate=x)
    assert searchable(q.plan, q.prepared) == ["lif1.lif"]

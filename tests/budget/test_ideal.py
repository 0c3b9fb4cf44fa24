"""The ideal emulator with no source exact is the integer emulator, bit for bit (real
Braille networks: bias columns, delayed biases, reset corrections, residual weights)."""

import numpy as np
import pytest

from snncompile.budget.exact import exact_parameters
from snncompile.budget.ideal import run_ideal
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import get_backend

from .conftest import braille


@pytest.mark.parametrize("which, options", [
    ("zero", {}),
    ("subtract", {}),
    ("zero", {"weight_split": 2, "bias_split": 2}),
    ("subtract", {"weight_split": 2, "bias_timing": "register"}),
    ("zero", {"weight_split": 3, "bias_split": 3}),
    ("subtract", {"weight_split": 3}),  # reset corrections in three parts too
])
def test_nothing_exact_is_the_integer_emulator(spikes, which, options):
    x = spikes[0][:6]
    g = braille(which)
    q = quantize(g, "loihi2", QuantizeOptions(**options), calibrate=x)
    layers = ["lif1.lif", "lif2"]
    steps = x.shape[1] + max(q.lags.values())
    ideal = run_ideal(q.fixed, exact_parameters(q.fixed, q.prepared, q.plan), (), x, steps, layers)
    chip = get_backend("emulator")(q.fixed, x, steps=steps, record=layers)
    for name in layers:
        np.testing.assert_array_equal(ideal.recorded[name], chip.recorded[name])
        assert chip.recorded[name].sum() > 0
    for name in q.fixed.outputs:
        np.testing.assert_array_equal(ideal.outputs[name], chip.outputs[name])

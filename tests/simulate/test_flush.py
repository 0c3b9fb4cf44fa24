"""run_flushed: a compiled graph's run on the float timeline (its pipeline flushed)."""

import numpy as np
import pytest

from snncompile.compare import aligned
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.ir.placement import lags
from snncompile.passes.quantize import quantize
from snncompile.simulate import get_backend
from snncompile.simulate.flush import flush_steps, run_flushed


@pytest.fixture(scope="module")
def network():
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc1", Linear(weight=np.full((5, 4), 0.4)))
    g.add("h", LIF(shape=(5,), decay=0.9))
    g.add("fc2", Linear(weight=np.full((3, 5), 0.5)))
    g.add("o", LIF(shape=(3,), decay=0.9))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "h", "fc2", "o", "y")
    return g


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(0)
    return (rng.random((6, 20, 4)) < 0.5).astype(np.float32)


def test_flushed_run_is_the_long_run_on_the_float_timeline(network, inputs):
    fixed = quantize(network, "loihi2").fixed
    emulate = get_backend("emulator")
    assert flush_steps(fixed) == max(lags(fixed).values()) > 0
    flushed, extra = run_flushed(emulate, fixed, 20, inputs=inputs, record=["h", "o"])
    assert extra == flush_steps(fixed)
    long = emulate(fixed, inputs, steps=20 + extra, record=["h", "o"])
    lag = lags(fixed)
    assert flushed.steps == 20
    for name in ("h", "o"):
        np.testing.assert_array_equal(flushed.recorded[name], aligned(long.recorded[name], lag[name], 20))
    np.testing.assert_array_equal(flushed.outputs["y"], aligned(long.outputs["y"], lag["y"], 20))
    # the float model's last step answered: the flushed output's last steps come from the
    # zero-input steps a plain run never makes, and they hold spikes here
    plain = emulate(fixed, inputs, steps=20)
    assert flushed.outputs["y"][:, 20 - lag["y"]:].sum() > 0
    assert plain.outputs["y"][:, lag["y"]:].sum() < flushed.outputs["y"].sum()


def test_a_float_graph_is_not_flushed(network, inputs):
    reference = get_backend("reference")
    flushed, extra = run_flushed(reference, network, 20, inputs=inputs)
    assert extra == 0
    np.testing.assert_array_equal(flushed.outputs["y"], reference(network, inputs, steps=20).outputs["y"])

"""Property: when every parameter lands exactly on the integer grid, the quantized graph
run by the emulator reproduces the float reference spike for spike, shifted by exactly
the lags the quantizer states — for random layered graphs with recurrence, skip paths,
both comparators and zero/subtract resets."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.ir import IF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize, spec_from_target
from snncompile.simulate import simulate

LOIHI2 = spec_from_target("loihi2")


@st.composite
def graphs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    widths = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    n_in = draw(st.integers(1, 4))
    g = Graph()
    g.add("x", Input(shape=(n_in,)))
    prev, prev_w, layers = "x", n_in, []
    for i, w in enumerate(widths):
        # weights k/8 in [-1, 1]: on the grid for S = 2^14 (256 w, even, exponent <= 1)
        g.add(f"fc{i}", Linear(weight=rng.integers(-8, 9, size=(w, prev_w)) / 8))
        g.add(f"n{i}", IF(shape=(w,), threshold=float(draw(st.sampled_from([0.5, 1.0, 2.0]))),
                          reset=draw(st.sampled_from(["zero", "subtract"])),
                          comparator=draw(st.sampled_from([">", ">="]))))
        g.chain(prev, f"fc{i}", f"n{i}")
        if draw(st.booleans()):
            g.add(f"rec{i}", Linear(weight=rng.integers(-8, 9, size=(w, w)) / 8))
            g.connect(f"n{i}", f"rec{i}")
            g.connect(f"rec{i}", f"n{i}", delay=draw(st.integers(1, 3)))
        layers.append(f"n{i}")
        prev, prev_w = f"n{i}", w
    if len(widths) > 1 and draw(st.booleans()):  # skip path from the input to the last layer
        g.add("skip", Linear(weight=rng.integers(-8, 9, size=(prev_w, n_in)) / 8))
        g.chain("x", "skip", prev)
    g.add("y", Output(shape=(prev_w,)))
    g.connect(prev, "y")
    return g, layers, n_in


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, 2**31))
def test_exact_grid_graphs_match_the_reference_after_the_stated_lags(case, seed):
    g, layers, n_in = case
    q = quantize(g, LOIHI2, QuantizeOptions(scale=2**14))
    x = (np.random.default_rng(seed).random((2, 25, n_in)) < 0.5).astype(float)
    ref = simulate(g, x, record=layers)
    emu = emulate(q.fixed, x, steps=25 + max(q.lags.values()), record=layers)
    for name in layers:
        assert np.array_equal(aligned(emu.recorded[name], q.lags[name], 25), ref.recorded[name]), name
    assert np.array_equal(aligned(emu.outputs["y"], q.lags["y"], 25), ref.outputs["y"])

"""A mixed graph on Lava: each chip segment runs on Lava's fixed_pt models with its host
inputs replayed, and equals the emulator bit for bit."""

import numpy as np
import pytest

from snncompile.emulator import emulate
from snncompile.testing.mixed_graphs import chip_host_chip

pytestmark = pytest.mark.lava


def test_every_chip_segment_equals_the_emulator():
    from snncompile.backends.lava import run_lava

    g = chip_host_chip(seed=2)
    x = (np.random.default_rng(5).random((2, 20, 6)) < 0.5).astype(np.int64)
    chip = ["h", "out"]
    emu = emulate(g, x, record=chip + ["mix"], membranes=chip)
    lava = run_lava(g, x, record=chip + ["mix"], membranes=chip)
    assert emu.recorded["out"].sum() > 0 and emu.recorded["h"].sum() > 0
    for n in chip:
        np.testing.assert_array_equal(lava.recorded[n], emu.recorded[n], err_msg=n)
        np.testing.assert_array_equal(lava.membranes[n], emu.membranes[n], err_msg=n)
    np.testing.assert_array_equal(lava.output(), emu.output())
    np.testing.assert_array_equal(lava.recorded["mix"], emu.recorded["mix"])  # host values: replayed


def test_split_residual_terms_at_different_lags_equal_the_emulator():
    """A residual sum of two spike layers of different depth (lags 1 and 2) read by a
    convolution through a partial Flatten: split_spike_adds gives one synapse per term,
    weight_split=2 unrolls each into a dense synapse and a Reshape back, the shallower
    term's alignment delay sits on the edge after that view, and Lava must add it to the
    synapse's delay."""
    from snncompile.backends.lava import run_lava
    from snncompile.ir import LIF, Add, Conv1d, Flatten, Graph, Input, Linear, Output
    from snncompile.passes.partition import Capabilities
    from snncompile.passes.quantize import QuantizeOptions, quantize
    from snncompile.targets import load_target

    rng = np.random.default_rng(0)
    g = Graph()
    g.add("x", Input(shape=(2, 2, 3)))
    g.add("fa", Linear(weight=rng.normal(0.6, 0.4, (3, 3))))
    g.add("a", LIF(shape=(2, 2, 3), decay=0.5, threshold=0.5))
    g.add("fb", Linear(weight=rng.normal(0.6, 0.4, (3, 3))))
    g.add("b", LIF(shape=(2, 2, 3), decay=0.5, threshold=0.5))
    g.add("add", Add())
    g.add("flat", Flatten(start_dim=1))
    g.add("fq", Conv1d(weight=rng.normal(0.3, 0.5, (4, 2, 1))))
    g.add("n", LIF(shape=(4, 6), decay=0.5, threshold=0.5))
    g.add("y", Output(shape=(4, 6)))
    g.chain("x", "fa", "a", "add")
    g.chain("a", "fb", "b", "add")
    g.chain("add", "flat", "fq", "n", "y")
    x = (rng.random((2, 16, 2, 2, 3)) < 0.5).astype(float)
    options = QuantizeOptions(fire_on_gt=True, weight_split=2)
    q = quantize(g, "loihi2", options, x, capabilities=Capabilities.of(load_target("loihi2")))
    delayed = [e for e in q.fixed.incoming("n") if e.delay and q.fixed.nodes[e.src].kind == "Reshape"]
    assert delayed  # the case: an alignment delay after a view
    assert (q.lags["a"], q.lags["b"]) == (1, 2) and "add" not in q.fixed.nodes
    steps = 16 + max(q.lags.values())
    emu = emulate(q.fixed, x, steps=steps, record=["n"])
    lava = run_lava(q.fixed, x, steps=steps, record=["n"])
    assert emu.recorded["n"].sum() > 0
    np.testing.assert_array_equal(lava.recorded["n"], emu.recorded["n"])

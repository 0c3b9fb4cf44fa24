"""add_delayed_biases: a neuron's bias starts with its input (lag steps after chip step
0), through a delayed synapse from the always-on source; exact where the bias is."""

import numpy as np

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.ir import IF, LIF, Constant, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate


def chain(bias: float = 0.25) -> Graph:
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("f1", Linear(weight=[[0.25, 0.5], [0.5, 0.25]]))
    g.add("h1", IF(shape=(2,), threshold=1.0, bias=bias))
    g.add("f2", Linear(weight=[[0.5, 0.25], [0.25, 0.5]]))
    g.add("h2", IF(shape=(2,), threshold=1.0, bias=bias))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "f1", "h1", "f2", "h2", "y")
    return g.validate()


def test_the_bias_moves_onto_a_delayed_synapse_by_hand(loihi2):
    q = quantize(chain(), loihi2, QuantizeOptions(scale=2**14))
    h2 = q.fixed.nodes["h2"]
    assert int(np.max(np.abs(h2.effective_bias()))) == 0
    syn = q.fixed.nodes["h2.bias"]
    # 0.25 * 2**14 = 4096 v-units = 64 << 6: mantissa 64, exponent 0
    assert syn.weight.tolist() == [[64], [64]] and syn.weight_exp == 0
    assert isinstance(q.fixed.nodes["bias_source"], Constant)
    delays = {(e.src, e.dst): e.delay for e in q.fixed.edges}
    assert delays[("h2.bias", "h2")] == q.lags["h2"] == 2 and delays[("h1.bias", "h1")] == q.lags["h1"] == 1
    assert any("delayed 2 step(s)" in n for n in q.report.notes)


def test_exact_timing_reproduces_the_float_spikes_the_register_does_not(loihi2):
    g = chain(bias=0.5)
    for n in ("h1", "h2"):  # a leak makes the register's early bias show
        g.nodes[n] = LIF(shape=(2,), decay=0.5, threshold=1.0, bias=0.25)
    x = (np.random.default_rng(2).random((4, 30, 2)) < 0.3).astype(float)
    ref = simulate(g, x, record=["h1", "h2"])
    assert ref.recorded["h2"].sum() > 0
    for timing, exact in (("exact", True), ("register", False)):
        q = quantize(g, loihi2, QuantizeOptions(scale=2**14, bias_timing=timing))
        emu = emulate(q.fixed, x, steps=30 + max(q.lags.values()), record=["h1", "h2"])
        same = all(np.array_equal(aligned(emu.recorded[n], q.lags[n], 30), ref.recorded[n]) for n in ("h1", "h2"))
        assert same is exact, timing


def test_a_current_based_neuron_keeps_its_register_and_says_so(loihi2):
    from snncompile.ir import CubaLIF

    g = chain()
    g.nodes["h2"] = CubaLIF(shape=(2,), syn_decay=0.5, threshold=1.0, bias=0.25)
    q = quantize(g.validate(), loihi2, QuantizeOptions(scale=2**14))
    assert "h2.bias" not in q.fixed.nodes and np.all(q.fixed.nodes["h2"].effective_bias() != 0)
    assert any("'h2': its bias register starts 2 step(s) before its input" in n for n in q.report.notes)


def test_lava_runs_the_delayed_biases_as_the_emulator(loihi2):
    import pytest

    pytest.importorskip("lava")
    from snncompile.backends.lava import run_lava

    g = chain()
    g.nodes["h1"] = LIF(shape=(2,), decay=0.75, threshold=1.0, bias=0.25)
    q = quantize(g.validate(), loihi2, QuantizeOptions(scale=2**14))
    x = (np.random.default_rng(3).random((2, 20, 2)) < 0.3).astype(np.int64)
    emu = emulate(q.fixed, x, record=["h1", "h2"])
    lava = run_lava(q.fixed, x, record=["h1", "h2"])
    for n in ("h1", "h2"):
        np.testing.assert_array_equal(lava.recorded[n], emu.recorded[n])

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize, spec_from_target
from snncompile.passes.split_mixed_sign import split_mixed_sign
from snncompile.simulate import simulate


def graph():
    rng = np.random.default_rng(5)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc", Linear(weight=rng.normal(size=(4, 6)), bias=rng.normal(size=4)))
    g.add("n", LIF(shape=(4,), decay=0.9, threshold=1.0))
    g.add("rec", Linear(weight=rng.normal(size=(4, 4)) * 0.3))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "n", "y")
    g.connect("n", "rec")
    g.connect("rec", "n", delay=1)
    return g


def test_split_is_exact_and_one_signed():
    g = graph()
    s = split_mixed_sign(g)
    assert set(s.nodes) == set(g.nodes) | {"fc.neg", "rec.neg"}
    assert np.all(s.nodes["fc"].weight >= 0) and np.all(s.nodes["fc.neg"].weight <= 0)
    assert s.nodes["fc.neg"].bias is None and s.nodes["fc"].bias is not None
    assert sorted((e.src, e.dst, e.delay) for e in s.edges if "rec" in e.src + e.dst) == [
        ("n", "rec", 0), ("n", "rec.neg", 0), ("rec", "n", 1), ("rec.neg", "n", 1)]
    x = np.random.default_rng(6).random((2, 30, 6))
    a, b = simulate(g, x, membranes=["n"]), simulate(s, x, membranes=["n"])
    np.testing.assert_allclose(b.membranes["n"], a.membranes["n"], atol=1e-12)


def test_split_halves_the_weight_error():
    spec = spec_from_target("loihi2")
    plain = quantize(graph(), spec)
    split = quantize(graph(), spec, QuantizeOptions(split_sign=True))
    err = {s.name: s.relative_error for s in plain.report.layers[0].synapses}
    err_split = {s.name: s.relative_error for s in split.report.layers[0].synapses}
    assert {s.sign_mode for s in split.report.layers[0].synapses} == {"excitatory", "inhibitory"}
    assert max(err_split.values()) < max(err.values())


def test_both_halves_keep_the_per_synapse_delays():
    g = graph()
    g.nodes["fc"] = g.nodes["fc"].replace(delays=np.arange(24).reshape(4, 6) % 5)
    s = split_mixed_sign(g)
    assert np.array_equal(s.nodes["fc.neg"].delays, g.nodes["fc"].delays)
    x = np.random.default_rng(6).random((2, 30, 6))
    a, b = simulate(g, x, membranes=["n"]), simulate(s, x, membranes=["n"])
    np.testing.assert_allclose(b.membranes["n"], a.membranes["n"], atol=1e-12)

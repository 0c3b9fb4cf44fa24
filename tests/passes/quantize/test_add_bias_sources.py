"""Linear biases into current-based neurons: an always-on source keeps the current
filter's transient, which a neuron bias (steady state) cannot."""

import numpy as np

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.ir import Constant, CubaLIF, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedLinear
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate


def graph(threshold=100.0):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc1", Linear(weight=[[0.5, 0.25], [0.25, -0.5]], bias=[0.25, -0.125]))
    g.add("a", CubaLIF(shape=(2,), syn_decay=0.75, decay=0.875, threshold=1.0))
    g.add("fc2", Linear(weight=[[0.5, 0.5]], bias=[0.375]))
    g.add("b", CubaLIF(shape=(1,), syn_decay=0.75, decay=0.875, threshold=threshold))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc1", "a", "fc2", "b", "y")
    return g


def test_structure_and_delays(loihi2):
    q = quantize(graph(), loihi2, QuantizeOptions(scale=2**14))
    nodes = q.fixed.nodes
    assert isinstance(nodes["bias_source"], Constant) and nodes["bias_source"].value.tolist() == [1.0]
    assert not q.fixed.incoming("bias_source")  # a source: no workaround input
    # bias columns on the layer scale: 0.25 * 2^14 / 64 = 64 at exponent 0, etc.
    assert isinstance(nodes["fc1.bias"], FixedLinear)
    bias = nodes["fc1.bias"].effective_weight()[:, 0] * 2 ** nodes["fc1.bias"].weight_exp
    assert bias.tolist() == [64, -32]
    delays = {(e.src, e.dst): e.delay for e in q.fixed.edges}
    # the source spikes from step 0; each bias must reach its layer at the layer's lag
    assert (q.lags["a"], q.lags["b"]) == (1, 2)
    assert (delays[("fc1.bias", "a")], delays[("fc2.bias", "b")]) == (1, 2)
    assert not any("steady state" in note for note in q.report.notes)


def test_membrane_follows_the_float_transient(loihi2):
    g = graph()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    x = (np.random.default_rng(2).random((2, 40, 2)) < 0.4).astype(float)
    ref = simulate(g, x, record=["a"], membranes=["a", "b"])
    emu = emulate(q.fixed, x, steps=42, record=["a"], membranes=["a", "b"])
    assert np.array_equal(aligned(emu.recorded["a"], 1, 40), ref.recorded["a"])
    v = aligned(emu.membranes["b"], 2, 40) / 2**14
    # step 0 of 'b' already has the bias current 0.375 (a neuron bias would give 1.5 at once)
    assert abs(v[0, 0, 0] - ref.membranes["b"][0, 0, 0]) < 1e-3
    np.testing.assert_allclose(v, ref.membranes["b"], atol=5e-3)

import numpy as np

from snncompile.ir import LIF, Add, Conv2d, Flatten, Graph, Input, Linear, Output
from snncompile.passes.merge_adds_into_neurons import merge_adds_into_neurons
from snncompile.simulate import simulate


def membrane_add_block() -> Graph:
    """s2 = LIF(conv2(s1) + shortcut(s0)), the shortcut one step late; a second sum also
    feeds an output (it must stay)."""
    rng = np.random.default_rng(0)
    g = Graph()
    g.add("x", Input(shape=(2, 6, 6)))
    g.add("c1", Conv2d(weight=rng.normal(size=(3, 2, 3, 3)), bias=rng.normal(size=3) * 0.1, padding=(1, 1)))
    g.add("s1", LIF(shape=(3, 6, 6), decay=0.25, threshold=0.5))
    g.add("c2", Conv2d(weight=rng.normal(size=(3, 3, 3, 3)), bias=rng.normal(size=3) * 0.1, padding=(1, 1)))
    g.add("sc", Conv2d(weight=rng.normal(size=(3, 2, 1, 1))))
    g.add("add", Add())
    g.add("s2", LIF(shape=(3, 6, 6), decay=0.25, threshold=0.5))
    g.add("fc", Linear(weight=rng.normal(size=(4, 108))))
    g.add("keep", Add())
    g.add("y", Output(shape=(4,)))
    g.add("z", Output(shape=(3, 6, 6)))
    g.chain("x", "c1", "s1", "c2", "add", "s2")
    g.connect("x", "sc")
    g.connect("sc", "add", delay=1)
    g.add("flat", Flatten(start_dim=0))
    g.chain("s2", "flat", "fc", "y")
    g.chain("c2", "keep", "z")
    g.connect("sc", "keep")
    return g


def test_sum_into_a_neuron_becomes_its_synapses_bit_for_bit():
    g = membrane_add_block()
    out = merge_adds_into_neurons(g)
    assert "add" not in out.nodes and "keep" in out.nodes  # the sum feeding an output stays
    assert [(e.src, e.delay) for e in out.incoming("s2")] == [("c2", 0), ("sc", 1)]
    x = np.random.default_rng(1).random((3, 20, 2, 6, 6)) * 2
    a, b = simulate(g, x, record=["s1", "s2"], membranes=["s2"]), simulate(out, x, record=["s1", "s2"], membranes=["s2"])
    assert 0.05 < a.recorded["s2"].mean() < 0.95
    assert np.array_equal(a.recorded["s2"], b.recorded["s2"])
    assert np.array_equal(a.membranes["s2"], b.membranes["s2"])
    for name in ("y", "z"):
        assert np.array_equal(a.outputs[name], b.outputs[name])


def test_sum_into_a_neuron_with_other_inputs_stays():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("w1", Linear(weight=np.eye(2)))
    g.add("w2", Linear(weight=np.eye(2)))
    g.add("add", Add())
    g.add("n", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "w1", "add", "n", "y")
    g.chain("x", "w2", "add")
    g.connect("x", "n")
    out = merge_adds_into_neurons(g)
    assert "add" in out.nodes

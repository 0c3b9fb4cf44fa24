"""inline_synapse_sums: Add(synapses) -> neuron becomes the neuron's fan-in, exactly."""

import numpy as np

from snncompile.ir import LIF, Add, Graph, Input, Linear, Output
from snncompile.passes.inline_synapse_sums import inline_synapse_sums
from snncompile.simulate import simulate


def taps(extra_consumer: bool = False) -> Graph:
    """A two-tap temporal convolution as the tracer writes it: two delayed Linears + Add."""
    rng = np.random.default_rng(0)
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("t0", Linear(weight=rng.normal(0.5, 0.5, (4, 3)), bias=np.full(4, 0.1), delays=np.zeros((4, 3), int)))
    g.add("t1", Linear(weight=rng.normal(0.5, 0.5, (4, 3)), delays=np.full((4, 3), 2)))
    g.add("sum", Add())
    g.add("n", LIF(shape=(4,), decay=0.7, threshold=1.0))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "t0", "sum", "n", "y")
    g.chain("x", "t1")
    g.connect("t1", "sum", delay=1)
    if extra_consumer:
        g.add("y2", Output(shape=(4,)))
        g.connect("sum", "y2")
    return g.validate()


def test_the_sum_becomes_fan_in_exactly():
    g = taps()
    f = inline_synapse_sums(g)
    assert "sum" not in f.nodes and sorted((e.src, e.delay) for e in f.incoming("n")) == [("t0", 0), ("t1", 1)]
    x = (np.random.default_rng(1).random((2, 20, 3)) < 0.5).astype(float)
    np.testing.assert_allclose(simulate(f, x, membranes=["n"]).membranes["n"],
                               simulate(g, x, membranes=["n"]).membranes["n"], rtol=0, atol=1e-12)


def test_a_sum_with_several_consumers_stays():
    assert "sum" in inline_synapse_sums(taps(extra_consumer=True)).nodes

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output, Scale
from snncompile.passes.fold_scale_into_weights import fold_scale_into_weights
from snncompile.simulate import simulate


def test_scale_after_and_before_linear_fold_exactly():
    rng = np.random.default_rng(2)
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("pre", Scale(scale=[0.5, 2.0, -1.0]))
    g.add("fc1", Linear(weight=rng.normal(size=(4, 3)), bias=rng.normal(size=4)))
    g.add("post", Scale(scale=rng.random(4)))
    g.add("n", LIF(shape=(4,), decay=0.9, threshold=0.3))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "pre", "fc1", "post", "n", "y")
    folded = fold_scale_into_weights(g)
    assert set(folded.nodes) == {"x", "fc1", "n", "y"}
    x = rng.random((2, 12, 3))
    a, b = simulate(g, x, membranes=["n"]), simulate(folded, x, membranes=["n"])
    np.testing.assert_allclose(b.membranes["n"], a.membranes["n"], atol=1e-12)


def test_scale_of_a_shared_synapse_stays():
    """fc also feeds m directly: scaling its weights would change what m sees."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("s", Scale(scale=2.0))
    g.add("n", LIF(shape=(2,)))
    g.add("m", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "s", "n", "y")
    g.connect("fc", "m")
    g.connect("m", "y")
    assert "s" in fold_scale_into_weights(g).nodes

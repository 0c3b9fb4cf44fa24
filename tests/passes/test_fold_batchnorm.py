import numpy as np

from snncompile.ir import LIF, BatchNorm, Conv2d, Flatten, Graph, Input, Linear, Output
from snncompile.passes.fold_batchnorm import fold_batchnorm
from snncompile.simulate import simulate


def test_linear_batchnorm_folds_exactly():
    rng = np.random.default_rng(0)
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=rng.normal(size=(3, 4)), bias=rng.normal(size=3)))
    g.add("bn", BatchNorm(mean=rng.normal(size=3), var=rng.random(3) + 0.5, weight=rng.normal(size=3),
                          bias=rng.normal(size=3)))
    g.add("n", LIF(shape=(3,), decay=0.8, threshold=0.5))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc", "bn", "n", "y")
    folded = fold_batchnorm(g)
    assert "bn" not in folded.nodes and "bn" in g.nodes
    assert [(e.src, e.dst) for e in folded.edges if e.dst == "n"] == [("fc", "n")]
    x = rng.random((2, 15, 4))
    a = simulate(g, x, record=["fc", "n"], membranes=["n"])
    b = simulate(folded, x, record=["fc", "n"], membranes=["n"])
    np.testing.assert_allclose(b.membranes["n"], a.membranes["n"], rtol=1e-12, atol=1e-12)
    assert np.array_equal(a.outputs["y"], b.outputs["y"])


def test_conv_batchnorm_folds_per_channel():
    rng = np.random.default_rng(1)
    g = Graph()
    g.add("x", Input(shape=(2, 5, 5)))
    g.add("conv", Conv2d(weight=rng.normal(size=(3, 2, 3, 3)), padding=1))
    g.add("bn", BatchNorm(mean=rng.normal(size=3), var=rng.random(3) + 0.5, weight=rng.normal(size=3),
                          bias=rng.normal(size=3)))
    g.add("n", LIF(shape=(3, 5, 5), decay=0.9))
    g.add("flat", Flatten())
    g.add("y", Output(shape=(75,)))
    g.chain("x", "conv", "bn", "n", "flat", "y")
    folded = fold_batchnorm(g)
    assert "bn" not in folded.nodes
    x = rng.random((1, 6, 2, 5, 5))
    a, b = simulate(g, x, membranes=["n"]), simulate(folded, x, membranes=["n"])
    np.testing.assert_allclose(b.membranes["n"], a.membranes["n"], atol=1e-12)


def test_batchnorm_after_a_neuron_is_left_alone():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("n", LIF(shape=(2,)))
    g.add("bn", BatchNorm(mean=np.zeros(2), var=np.ones(2)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "bn", "y")
    assert fold_batchnorm(g).equals(g)

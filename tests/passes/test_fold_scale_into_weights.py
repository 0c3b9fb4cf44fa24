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


def test_scale_before_a_conv_and_before_flatten_linear_folds_exactly():
    """A converted CNN's ``lambda * spikes`` before a (padded) conv and before Flatten ->
    Linear: folded into their weights, the same membranes (reference simulator)."""
    from snncompile.ir import IF, Conv2d, Flatten

    rng = np.random.default_rng(3)
    g = Graph()
    g.add("x", Input(shape=(2, 4, 4)))
    g.add("n1", IF(shape=(2, 4, 4), threshold=0.5))
    g.add("s1", Scale(scale=np.array([1.5, -0.5])[:, None, None]))  # per channel
    g.add("conv", Conv2d(weight=rng.normal(size=(3, 2, 3, 3)), bias=rng.normal(size=3), padding=(1, 1)))
    g.add("n2", IF(shape=(3, 4, 4), threshold=0.5))
    g.add("s2", Scale(scale=2.5))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=rng.normal(size=(5, 48))))
    g.add("n3", LIF(shape=(5,), decay=0.9, threshold=0.5))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "n1", "s1", "conv", "n2", "s2", "flat", "fc", "n3", "y")
    folded = fold_scale_into_weights(g)
    assert "s1" not in folded.nodes and "s2" not in folded.nodes
    x = rng.random((2, 10, 2, 4, 4)) * 2
    a, b = (simulate(h, x, membranes=["n2", "n3"]) for h in (g, folded))
    assert a.membranes["n3"].std() > 0
    for n in ("n2", "n3"):
        np.testing.assert_allclose(b.membranes[n], a.membranes[n], atol=1e-12)


def test_a_spatially_varying_scale_before_a_conv_stays():
    from snncompile.ir import Conv2d

    g = Graph()
    g.add("x", Input(shape=(1, 3, 3)))
    g.add("s", Scale(scale=np.arange(9.0).reshape(1, 3, 3)))
    g.add("conv", Conv2d(weight=np.ones((1, 1, 3, 3)), padding=(1, 1)))
    g.add("n", LIF(shape=(1, 3, 3)))
    g.add("y", Output(shape=(1, 3, 3)))
    g.chain("x", "s", "conv", "n", "y")
    assert "s" in fold_scale_into_weights(g).nodes

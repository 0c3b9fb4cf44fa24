import numpy as np
import pytest

from snncompile.errors import UnsupportedError
from snncompile.ir import LIF, Conv2d, CubaLIF, Graph, Input, Linear, Output
from snncompile.passes.fold_synapse_bias import fold_synapse_bias
from snncompile.simulate import simulate


def graph(neuron, bias=(0.2, -0.1)):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=[[0.6, 0.3], [0.2, 0.7]], bias=list(bias)))
    g.add("n", neuron)
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "y")
    return g


def run(g, x):
    return simulate(g, x, membranes=["n"]).membranes["n"]


def test_lif_bias_fold_is_exact():
    g = graph(LIF(shape=(2,), decay=0.9, gain=0.5, bias=0.01, threshold=0.8))
    folded = fold_synapse_bias(g)
    assert folded.nodes["fc"].bias is None
    np.testing.assert_allclose(folded.nodes["n"].bias, [0.01 + 0.5 * 0.2, 0.01 - 0.5 * 0.1])
    x = (np.random.default_rng(0).random((2, 30, 2)) < 0.3).astype(float)
    np.testing.assert_allclose(run(folded, x), run(g, x), atol=1e-12)


def test_cuba_linear_bias_is_kept_for_the_quantizer():
    g = graph(CubaLIF(shape=(2,), syn_decay=0.5, decay=0.9))
    assert fold_synapse_bias(g).nodes["fc"].bias.tolist() == [0.2, -0.1]


def conv_graph(neuron):
    g = Graph()
    g.add("x", Input(shape=(1, 2, 2)))
    g.add("conv", Conv2d(weight=np.full((2, 1, 1, 1), 0.5), bias=[0.2, -0.1]))
    g.add("n", neuron)
    g.add("y", Output(shape=(2, 2, 2)))
    g.chain("x", "conv", "n", "y")
    return g


def test_cuba_conv_bias_fold_is_the_steady_state():
    """Without spikes (threshold out of reach), the membrane of the folded graph converges
    to the original's as the current filter's transient syn_decay**t dies out."""
    g = conv_graph(CubaLIF(shape=(2, 2, 2), syn_decay=0.5, decay=0.9, threshold=1e9))
    folded = fold_synapse_bias(g)
    assert folded.nodes["conv"].bias is None
    np.testing.assert_allclose(folded.nodes["n"].bias[:, 0, 0], [0.2 / 0.5, -0.1 / 0.5])
    x = np.zeros((1, 200, 1, 2, 2))
    a, b = run(g, x), run(folded, x)
    assert np.abs(a[0, 0] - b[0, 0]).max() > 0.1  # first step: current not yet built up
    np.testing.assert_allclose(b[0, -1], a[0, -1], rtol=1e-6)


def test_current_that_never_decays_is_refused():
    with pytest.raises(UnsupportedError, match="syn_decay = 1"):
        fold_synapse_bias(conv_graph(CubaLIF(shape=(2, 2, 2), syn_decay=1.0, decay=0.9)))


def test_all_zero_bias_is_dropped():
    folded = fold_synapse_bias(graph(CubaLIF(shape=(2,), syn_decay=0.5, decay=0.9), bias=(0.0, 0.0)))
    assert folded.nodes["fc"].bias is None and np.all(folded.nodes["n"].bias == 0)


def test_a_linear_bias_on_token_tensors_runs_along_the_last_axis():
    """(tokens, features) -> Linear over features with a bias -> LIF: the bias is per
    feature (the last axis), not per token."""
    import numpy as np

    from snncompile.ir import LIF, Graph, Input, Linear, Output
    from snncompile.passes.fold_synapse_bias import fold_synapse_bias
    from snncompile.simulate import simulate

    rng = np.random.default_rng(0)
    g = Graph()
    g.add("x", Input(shape=(6, 4)))
    g.add("fc", Linear(weight=rng.normal(size=(3, 4)), bias=np.array([0.3, -0.2, 0.5])))
    g.add("lif", LIF(shape=(6, 3), decay=0.8, threshold=0.7))
    g.add("y", Output(shape=(6, 3)))
    g.chain("x", "fc", "lif", "y")
    folded = fold_synapse_bias(g.validate())
    assert folded.nodes["fc"].bias is None
    x = rng.random((2, 10, 6, 4))
    np.testing.assert_array_equal(simulate(g, x).output(), simulate(folded, x).output())

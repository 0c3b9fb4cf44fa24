import numpy as np
import pytest

from snncompile.ir import IF, AvgPool2d, Conv2d, Flatten, Graph, Input, Linear, Output, SumPool2d
from snncompile.passes.fold_pool_into_synapse import fold_pool_into_synapse
from snncompile.simulate import simulate


@pytest.mark.parametrize("pool,delayed", [(SumPool2d, False), (AvgPool2d, False), (SumPool2d, True)])
def test_pool_into_conv_and_linear_is_exact(pool, delayed):
    rng = np.random.default_rng(0)

    def delays(shape):  # per-synapse delays follow their weights through the fold
        return rng.integers(0, 4, shape) if delayed else None

    g = Graph()
    g.add("x", Input(shape=(2, 8, 8)))
    g.add("c0", Conv2d(weight=rng.normal(size=(3, 2, 3, 3)), padding=1))
    g.add("n0", IF(shape=(3, 8, 8), threshold=0.5))
    g.add("p0", pool(kernel_size=2))
    g.add("c1", Conv2d(weight=rng.normal(size=(4, 3, 3, 3)), padding=1, stride=1, delays=delays((4, 3, 3, 3))))
    g.add("c1b", Conv2d(weight=rng.normal(size=(4, 4, 2, 2))))  # 4x4 -> 3x3: odd, the pool drops a row
    g.add("n1", IF(shape=(4, 4, 4), threshold=0.5))
    g.add("n1b", IF(shape=(4, 3, 3), threshold=0.5))
    g.add("p1", pool(kernel_size=2))
    g.add("f", Flatten())
    g.add("fc", Linear(weight=rng.normal(size=(5, 4)), delays=delays((5, 4))))
    g.add("n2", IF(shape=(5,), threshold=0.5))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "c0", "n0", "p0", "c1", "n1", "c1b", "n1b", "p1", "f", "fc", "n2", "y")
    folded = fold_pool_into_synapse(g)
    assert "p0" not in folded.nodes and "p1" not in folded.nodes
    assert folded.nodes["c1"].weight.shape == (4, 3, 6, 6) and folded.nodes["c1"].stride == (2, 2)
    assert folded.nodes["fc"].weight.shape == (5, 36) and np.all(folded.nodes["fc"].weight.reshape(5, 4, 3, 3)[:, :, 2] == 0)
    if delayed:
        assert folded.nodes["fc"].delays.shape == (5, 36) and folded.nodes["c1"].delays.shape == (4, 3, 6, 6)
    x = (rng.random((2, 10, 2, 8, 8)) < 0.3).astype(float)
    a = simulate(g, x, record=["n1", "n2"], membranes=["n1", "n2"])
    b = simulate(folded, x, record=["n1", "n2"], membranes=["n1", "n2"])
    for n in ("n1", "n2"):
        np.testing.assert_allclose(b.membranes[n], a.membranes[n], atol=1e-10)
    assert a.recorded["n2"].sum() > 0


def test_conv_after_a_pool_that_drops_pixels_stays():
    g = Graph()
    g.add("x", Input(shape=(1, 5, 5)))
    g.add("p", SumPool2d(kernel_size=2))
    g.add("c", Conv2d(weight=np.ones((1, 1, 3, 3)), padding=1))
    g.add("n", IF(shape=(1, 2, 2)))
    g.add("y", Output(shape=(1, 2, 2)))
    g.chain("x", "p", "c", "n", "y")
    assert "p" in fold_pool_into_synapse(g).nodes


def test_overlapping_pool_stays():
    g = Graph()
    g.add("x", Input(shape=(1, 6, 6)))
    g.add("p", SumPool2d(kernel_size=3, stride=2))
    g.add("c", Conv2d(weight=np.ones((1, 1, 2, 2))))
    g.add("n", IF(shape=(1, 1, 1)))
    g.add("y", Output(shape=(1, 1, 1)))
    g.chain("x", "p", "c", "n", "y")
    assert "p" in fold_pool_into_synapse(g).nodes

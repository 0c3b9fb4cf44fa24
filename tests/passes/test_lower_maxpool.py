import numpy as np
import pytest
import torch

from snncompile.ir import LIF, Conv2d, Graph, Input, Linear, MaxPool2d, Output
from snncompile.ir.ops import Flatten
from snncompile.passes.lower_maxpool import lower_maxpool
from snncompile.simulate import simulate


def pooled(kernel, stride, padding, spikes_in=True) -> Graph:
    g = Graph()
    g.add("x", Input(shape=(2, 7, 7)))
    g.add("conv", Conv2d(weight=np.random.default_rng(0).normal(size=(3, 2, 3, 3)), padding=1))
    g.add("lif", LIF(shape=(3, 7, 7), decay=0.5, threshold=0.4))
    g.add("pool", MaxPool2d(kernel_size=kernel, stride=stride, padding=padding))
    g.add("flat", Flatten())
    g.chain("x", "conv", "lif", "pool") if spikes_in else g.chain("x", "conv", "pool")
    if not spikes_in:
        del g.nodes["lif"]
    shape = g.nodes["pool"].output_shape((3, 7, 7))
    g.add("y", Output(shape=(int(np.prod(shape)),)))
    g.chain("pool", "flat", "y")
    return g


@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1), ((2, 3), (1, 2), (1, 0))])
def test_maxpool_over_spikes_is_a_sum_and_an_or_threshold(kernel, stride, padding):
    g = pooled(kernel, stride, padding)
    low = lower_maxpool(g)
    assert isinstance(low.nodes["pool"], LIF) and isinstance(low.nodes["pool.sum"], Conv2d)
    assert low.nodes["pool.sum"].groups == 3
    x = np.random.default_rng(1).random((3, 20, 2, 7, 7))
    a = simulate(g, x, record=["lif"])
    b = simulate(low, x)
    assert 0 < a.outputs["y"].mean() < 1  # some windows fire, some do not
    assert np.array_equal(a.outputs["y"], b.outputs["y"])
    # and PyTorch's own max pool of the recorded spikes says the same
    s = torch.from_numpy(a.recorded["lif"]).flatten(0, 1)
    want = torch.nn.functional.max_pool2d(s, kernel, stride, padding).reshape(3, 20, -1).numpy()
    assert np.array_equal(b.outputs["y"], want)


def test_maxpool_over_real_values_stays():
    g = pooled(2, 2, 0, spikes_in=False)
    assert isinstance(lower_maxpool(g).nodes["pool"], MaxPool2d)


def test_lowered_pool_feeds_a_synapse_unchanged():
    g = pooled(2, 2, 0)
    g.edges = [e for e in g.edges if e.dst != "y"]
    g.nodes["y"] = Output(shape=(4,))
    g.add("fc", Linear(weight=np.random.default_rng(2).normal(size=(4, 27))))
    g.chain("flat", "fc", "y")
    x = np.random.default_rng(3).random((2, 15, 2, 7, 7))
    np.testing.assert_array_equal(simulate(lower_maxpool(g), x).outputs["y"], simulate(g, x).outputs["y"])

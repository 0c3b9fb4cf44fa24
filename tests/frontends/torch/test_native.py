"""Models built with snncompile.nn: layers, residuals, nesting, every neuron option."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

import snncompile.nn as snn
from snncompile.ir import Add, AvgPool2d, BatchNorm, Conv2d, Flatten, Linear, MaxPool2d, Scale


def v_of(module, output):
    return module.v


def _mlp(neuron_a, neuron_b):
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(6, 10), neuron_a, nn.Dropout(0.5), nn.Linear(10, 4), neuron_b)


OPTIONS = list(itertools.product(["zero", "subtract", "none"], ["immediate", "delayed"], [">", ">="]))


@pytest.mark.parametrize("reset,timing,comparator", OPTIONS)
def test_lif_and_cuba_options(compare, reset, timing, comparator):
    kw = dict(reset=reset, reset_timing=timing, comparator=comparator)
    model = _mlp(
        snn.LIF(decay=torch.linspace(0.5, 0.95, 10), threshold=0.8, v_reset=-0.1, **kw),
        snn.CubaLIF(syn_decay=0.7, decay=0.9, threshold=torch.full((4,), 0.5), bias=0.01, **kw),
    )
    compare(model, (6,), v_of, reset=snn.reset_states, scale=0.6)


@pytest.mark.parametrize("learn", [True, ("decay", "bias")])
def test_if_li_and_learnable_parameters(compare, learn):
    model = _mlp(snn.IF(threshold=1.5, gain=0.8, learn=True), snn.LI(decay=torch.rand(4), learn=learn))
    assert any(isinstance(p, nn.Parameter) for p in model[4].parameters())
    compare(model, (6,), v_of, reset=snn.reset_states)


class Block(nn.Module):
    """conv -> BN -> LIF, plus a residual sum scaled by a constant."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.lif = snn.LIF(decay=0.8, reset="subtract")

    def forward(self, x):
        y = self.lif(self.bn(self.conv(x)))
        return (y + x) * 0.5


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.features = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), snn.IF(threshold=0.5), nn.Sequential(Block(4), nn.Identity())
        )
        self.pool = nn.AvgPool2d(2)
        self.head = nn.Sequential(nn.Linear(4 * 3 * 3, 5), snn.LIF(decay=0.9))
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.max_pool2d(self.pool(x), 1)
        return self.head(x.view(x.shape[0], -1))


def test_conv_bn_pool_residual_nested(compare):
    model = ConvNet()
    out = compare(model, (2, 6, 6), v_of, reset=snn.reset_states, steps=100, scale=1.5)
    graph = out["graph"]
    kinds = {name: node.kind for name, node in graph.items()}
    assert kinds["features.0"] == "Conv2d" and kinds["features.2.0.bn"] == "BatchNorm"
    assert isinstance(graph.nodes["add"], Add) and isinstance(graph.nodes["mul"], Scale)
    assert isinstance(graph.nodes["pool"], AvgPool2d) and isinstance(graph.nodes["max_pool2d"], MaxPool2d)
    assert isinstance(graph.nodes["view"], Flatten)
    assert sorted(e.src for e in graph.incoming("add")) == ["features.1", "features.2.0.lif"]
    assert isinstance(graph.nodes["features.2.0.conv"], Conv2d)
    assert isinstance(graph.nodes["head.0"], Linear)
    assert not any(isinstance(n, BatchNorm) and n is None for n in graph.nodes.values())


def test_dropout_and_identity_are_dropped():
    from snncompile.frontends.torch import trace

    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.2), nn.Identity(), snn.LIF(), nn.Dropout(0.1))
    graph = trace(model, (3,))
    assert list(graph.nodes) == ["input", "0", "3", "output"]
    assert [(e.src, e.dst) for e in graph.edges] == [("input", "0"), ("0", "3"), ("3", "output")]


@pytest.mark.parametrize("comparator", [">", ">="])
def test_threshold_ties(compare, dyadic, comparator):
    torch.manual_seed(9)
    model = _mlp(snn.LIF(decay=0.5, comparator=comparator), snn.IF(threshold=0.5, comparator=comparator, reset="subtract"))
    compare(dyadic(model, step=0.5), (6,), v_of, reset=snn.reset_states, binary_input=True)


def test_conv1d_same_padding_and_batchnorm1d(compare):
    torch.manual_seed(11)
    model = nn.Sequential(
        nn.Conv1d(3, 4, 5, padding="same"), nn.BatchNorm1d(4), snn.LIF(decay=0.7),
        nn.Flatten(), nn.Linear(4 * 8, 3), snn.LIF(decay=0.9, threshold=0.5),
    )
    with torch.no_grad():
        model[1].running_mean.uniform_(-0.1, 0.1)
        model[1].running_var.uniform_(0.8, 1.2)
    out = compare(model, (3, 8), v_of, reset=snn.reset_states, scale=1.5)
    assert out["graph"].nodes["0"].kind == "Conv1d" and out["graph"].nodes["0"].padding == (2,)
    assert out["graph"].nodes["1"].kind == "BatchNorm"


class PoolNet(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(12)
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.sum = nn.AvgPool2d(2, divisor_override=1)
        self.lif = snn.IF(threshold=1.0)
        self.fc = nn.Linear(2 * 2 * 2, 3)
        self.out = snn.LIF(decay=0.9, threshold=0.5)

    def forward(self, x):
        y = nn.functional.avg_pool2d(self.sum(self.conv(x)), kernel_size=2, stride=2)
        return self.out(self.fc(torch.flatten(self.lif(y), 1)))


def test_sum_pool_and_functional_avg_pool(compare):
    out = compare(PoolNet(), (1, 8, 8), v_of, reset=snn.reset_states, scale=1.0)
    assert out["graph"].nodes["sum"].kind == "SumPool2d" and out["graph"].nodes["avg_pool2d"].kind == "AvgPool2d"

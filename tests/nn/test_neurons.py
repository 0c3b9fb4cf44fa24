"""snncompile.nn modules: the IR equations, bit for bit, plus state and training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import snncompile.nn as snn
from snncompile.frontends.torch import trace
from snncompile.ir import LIF, CubaLIF, Reset, ResetTiming
from snncompile.simulate import simulate

MODULES = [
    lambda: snn.LIF(decay=torch.linspace(0.2, 1.0, 5), threshold=0.5, bias=0.05, reset="subtract"),
    lambda: snn.LIF(decay=0.7, threshold=0.4, v_reset=-0.2, reset="zero", reset_timing="delayed", comparator=">="),
    lambda: snn.CubaLIF(syn_decay=0.6, decay=0.8, syn_gain=0.5, gain=1.5, threshold=0.3, reset="subtract", reset_timing="delayed"),
    lambda: snn.IF(threshold=0.6, gain=0.9, bias=-0.01, reset="none"),
    lambda: snn.LI(decay=torch.rand(5), gain=0.5, bias=0.1),
    lambda: snn.CubaLIF(syn_decay=0.6, decay=0.8, threshold=0.3, reset="zero", reset_timing="delayed", refractory=1),
    lambda: snn.LIF(decay=0.7, threshold=0.2, reset="subtract", reset_timing="delayed", refractory=3),
    lambda: snn.CubaLIF(syn_decay=1.0, decay=1.0, threshold=0.8, refractory=1000),
]


@pytest.mark.parametrize("make", MODULES)
def test_bit_identical_to_the_reference_simulator(make):
    neuron = make().double()
    x = torch.randn(4, 60, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 0.5
    outs, mems = [], []
    with torch.no_grad():
        for t in range(x.shape[1]):
            outs.append(neuron(x[:, t]))
            mems.append(neuron.v)
    result = simulate(trace(neuron, (5,)), x.numpy(), record="all", membranes="all")
    name = "output"
    assert np.array_equal(result.outputs[name], torch.stack(outs, 1).numpy())
    (neuron_name,) = result.membranes
    assert np.array_equal(result.membranes[neuron_name], torch.stack(mems, 1).numpy())


def test_to_node_copies_every_field():
    node = snn.CubaLIF(syn_decay=0.6, decay=torch.tensor([0.5, 0.9]), threshold=2.0, reset="subtract",
                       reset_timing="delayed", comparator=">=").to_node((2,))
    assert isinstance(node, CubaLIF)
    assert node.reset is Reset.SUBTRACT and node.reset_timing is ResetTiming.DELAYED and node.comparator.value == ">="
    np.testing.assert_allclose(node.decay, [0.5, 0.9])
    assert node.syn_decay == pytest.approx(0.6) and node.threshold == 2.0
    assert isinstance(snn.LIF().to_node((3,)), LIF)


def test_reset_state_starts_a_new_sequence():
    neuron = snn.LIF(decay=0.9, threshold=0.5)
    x = torch.rand(2, 3)
    first = [neuron(x) for _ in range(5)]
    neuron.reset_state()
    again = [neuron(x) for _ in range(5)]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert any(not torch.equal(first[0], f) for f in first[1:])  # state did carry over


def test_learnable_parameters_get_surrogate_gradients():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), snn.LIF(decay=torch.full((4,), 0.8), learn=("decay", "threshold")))
    assert {n for n, _ in model.named_parameters()} == {"0.weight", "0.bias", "1.decay", "1.threshold"}
    x = torch.rand(8, 3) * 3
    loss = sum(model(x).sum() for _ in range(4))
    loss.backward()
    assert model[1].threshold.grad is not None and model[0].weight.grad.abs().sum() > 0


def test_unknown_learn_name_is_an_error():
    with pytest.raises(ValueError, match="learn names unknown parameters"):
        snn.LI(learn=("threshold",))

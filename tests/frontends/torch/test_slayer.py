"""SLAYER's CUBA blocks and neuron through the PyTorch front end (adapters/slayer.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snncompile.errors import UnsupportedError
from snncompile.frontends.torch import trace
from snncompile.ir import CubaLIF, Delay, Linear

pytestmark = pytest.mark.frameworks

CUBA = {"threshold": 1.1, "current_decay": 0.3, "voltage_decay": 0.05}


@pytest.fixture(scope="module")
def slayer():
    pytest.importorskip("lava.lib.dl")
    from snncompile.interop.netx import ensure_lava_dl

    ensure_lava_dl()
    from lava.lib.dl import slayer

    return slayer


def test_dense_block_maps_to_quantized_cubalif(slayer):
    torch.manual_seed(0)
    block = slayer.block.cuba.Dense(dict(CUBA), 4, 3, weight_scale=2)
    g = trace(torch.nn.Sequential(block), (4,))
    neuron, syn = g.nodes["0"], g.nodes["0.synapse"]
    assert isinstance(neuron, CubaLIF) and isinstance(syn, Linear)
    assert float(neuron.syn_decay) == 1 - round(0.3 * 4096) / 4096
    assert float(neuron.decay) == 1 - round(0.05 * 4096) / 4096
    assert float(neuron.threshold) == int(1.1 * 64) / 64
    w = syn.weight * 64  # quantize_8bit: even integers in [-256, 254] in SLAYER's units of 1/64
    assert np.array_equal(w, np.round(w)) and np.all(w % 2 == 0) and w.min() >= -256 and w.max() <= 254
    assert np.allclose(syn.weight, block.synapse.pre_hook_fx(block.synapse.weight).detach().numpy().reshape(3, 4))


def test_axonal_delay_sits_before_the_neuron(slayer):
    block = slayer.block.cuba.Dense(dict(CUBA), 4, 3, delay=True)
    block(torch.zeros(1, 4, 5))  # SLAYER draws the delays at the first call
    with torch.no_grad():
        block.delay.delay.data = torch.tensor([0.0, 2.7, 5.0])
    g = trace(torch.nn.Sequential(block), (4,))
    delay = g.nodes["0.delay"]
    assert isinstance(delay, Delay) and delay.delay.tolist() == [0, 2, 5]  # whole steps, as SLAYER shifts
    assert {(e.src, e.dst) for e in g.edges} >= {("0.synapse", "0.delay"), ("0.delay", "0")}


def test_recurrent_block_feeds_back_one_step_later(slayer):
    g = trace(torch.nn.Sequential(slayer.block.cuba.Recurrent(dict(CUBA), 4, 3)), (4,))
    assert {(e.src, e.dst, e.delay) for e in g.edges} >= {("0.input", "0", 0), ("0", "0.recurrent", 1),
                                                         ("0.recurrent", "0", 0)}


def test_conv_flatten_dense(slayer):
    net = torch.nn.Sequential(slayer.block.cuba.Conv(dict(CUBA), 2, 3, 3, padding=1, stride=2),
                              slayer.block.cuba.Flatten(), slayer.block.cuba.Dense(dict(CUBA), 3 * 4 * 4, 5))
    g = trace(net, (2, 8, 8))
    assert g.infer_shapes()["0"] == (3, 4, 4) and g.nodes["1"].kind == "Flatten"


@pytest.mark.parametrize("params, reason", [
    ({**CUBA, "graded_spike": True}, "graded_spike=True"),
    ({**CUBA, "norm": lambda: torch.nn.Identity()}, "normalization"),
])
def test_refusals_name_the_module(slayer, params, reason):
    with pytest.raises(UnsupportedError, match=f"module '0' \\(Dense\\): .*{reason}"):
        trace(torch.nn.Sequential(slayer.block.cuba.Dense(params, 4, 3)), (4,))

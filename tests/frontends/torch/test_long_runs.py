"""Longer, wider runs over several seeds (marked slow; the fast tests cover every option)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

pytestmark = [pytest.mark.slow, pytest.mark.frameworks]

SEEDS = range(5)


def _mlp(first, second):
    return nn.Sequential(nn.Linear(16, 64), first, nn.Linear(64, 10), second)


@pytest.mark.parametrize("seed", SEEDS)
def test_snntorch_long(compare, seed):
    snntorch = pytest.importorskip("snntorch")

    def h(x):
        return (x > 0).to(x.dtype)

    torch.manual_seed(seed)
    model = _mlp(snntorch.RSynaptic(alpha=0.6, beta=0.9, linear_features=64, init_hidden=True, spike_grad=h),
                 snntorch.Leaky(beta=torch.rand(10), init_hidden=True, spike_grad=h))

    def reset(m):
        for mod in m.modules():
            if hasattr(mod, "reset_mem"):
                mod.reset_mem()

    compare(model, (16,), lambda m, o: m.mem, steps=500, batch=8, seed=seed, scale=0.5, reset=reset)


@pytest.mark.parametrize("seed", SEEDS)
def test_spikingjelly_long(compare, seed):
    pytest.importorskip("spikingjelly.activation_based")
    from spikingjelly.activation_based import functional, neuron

    torch.manual_seed(seed)
    model = _mlp(neuron.ParametricLIFNode(init_tau=3.0, v_reset=None), neuron.LIFNode(tau=4.0, decay_input=False, v_reset=-0.2))
    with torch.no_grad():
        model[2].weight.mul_(3.0)  # every seed's second layer fires (compare asserts it)
    compare(model, (16,), lambda m, o: m.v, steps=500, batch=8, seed=seed, scale=4.0, reset=functional.reset_net)


@pytest.mark.parametrize("seed", SEEDS)
def test_norse_long(compare, seed):
    norse = pytest.importorskip("norse.torch")
    torch.manual_seed(seed)
    model = norse.SequentialState(nn.Linear(16, 64), norse.LIFCell(norse.LIFParameters(v_th=torch.tensor(0.2))),
                                  nn.Linear(64, 10), norse.LIFBoxCell(norse.LIFBoxParameters(v_th=torch.tensor(0.05))))
    state = {}

    def step(m, x):
        out, state["s"] = m(x, state.get("s"))
        return out

    compare(model, (16,), lambda m, o: o[1].v, steps=500, batch=8, seed=seed, scale=20.0, step=step)

"""Against what we did not write: snnTorch's own forward pass.

An snnTorch network (Leaky with subtract and zero reset, Synaptic with subtract reset,
all with snnTorch's default reset_delay=True) is written by hand as an IR graph with the
documented mapping (decay = beta, syn_decay = alpha, gains 1, DELAYED reset timing, GT)
and exported; ONNX Runtime must reproduce snnTorch's spikes exactly and its membranes
within 1e-5, in float32.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx
from snncompile.ir import LIF, CubaLIF, Graph, Input, Linear, Output, Reset, ResetTiming

snn = pytest.importorskip("snntorch")
pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.frameworks


def test_snntorch_leaky_and_synaptic_forward_is_reproduced():
    torch.manual_seed(0)
    fc1, fc2, fc3 = torch.nn.Linear(6, 12), torch.nn.Linear(12, 8, bias=False), torch.nn.Linear(8, 3)
    with torch.no_grad():
        fc1.weight.mul_(2.5)
        fc2.weight.mul_(2.0)
        fc3.weight.mul_(2.0)
    lif1 = snn.Leaky(beta=0.85, threshold=0.7)  # subtract reset, reset_delay=True
    syn2 = snn.Synaptic(alpha=0.8, beta=0.75, threshold=1.0)
    lif3 = snn.Leaky(beta=0.9, threshold=0.5, reset_mechanism="zero")

    batch, steps = 4, 40
    x = torch.as_tensor((np.random.default_rng(1).random((batch, steps, 6)) < 0.4).astype(np.float32))
    m1, (s2, m2), m3 = lif1.init_leaky(), syn2.init_synaptic(), lif3.init_leaky()
    spikes, membranes = {"lif1": [], "syn2": [], "lif3": []}, {"lif1": [], "syn2": [], "lif3": []}
    with torch.no_grad():
        for t in range(steps):
            k1, m1 = lif1(fc1(x[:, t]), m1)
            k2, s2, m2 = syn2(fc2(k1), s2, m2)
            k3, m3 = lif3(fc3(k2), m3)
            for name, k, m in (("lif1", k1, m1), ("syn2", k2, m2), ("lif3", k3, m3)):
                spikes[name].append(k)
                membranes[name].append(m)

    delayed = dict(reset_timing=ResetTiming.DELAYED)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=fc1.weight.detach().numpy(), bias=fc1.bias.detach().numpy()))
    g.add("lif1", LIF(shape=(12,), decay=0.85, threshold=0.7, reset=Reset.SUBTRACT, **delayed))
    g.add("fc2", Linear(weight=fc2.weight.detach().numpy()))
    g.add("syn2", CubaLIF(shape=(8,), syn_decay=0.8, decay=0.75, threshold=1.0, reset=Reset.SUBTRACT, **delayed))
    g.add("fc3", Linear(weight=fc3.weight.detach().numpy(), bias=fc3.bias.detach().numpy()))
    g.add("lif3", LIF(shape=(3,), decay=0.9, threshold=0.5, reset=Reset.ZERO, **delayed))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "lif1", "fc2", "syn2", "fc3", "lif3", "y")

    got = run_onnx(to_onnx(g, record=list(spikes)), x.numpy(), membranes="all")
    for name in spikes:
        want = torch.stack(spikes[name], dim=1).numpy()
        assert 0 < want.sum() < want.size, f"{name} silent or saturated"
        np.testing.assert_array_equal(got.recorded[name], want, err_msg=name)
        np.testing.assert_allclose(got.membranes[name], torch.stack(membranes[name], dim=1).numpy(),
                                   rtol=1e-5, atol=1e-5, err_msg=name)

"""TemporalConv traces to synapses with per-synapse delays; the reference simulator
reproduces the framework's own sequence forward (DCLS's Dcls1d: the learned-delay layer
of the SNN-delays code, time padded K-1 left and (K-1)//2 right)."""

import numpy as np
import pytest
import torch

from snncompile.frontends.torch import trace
from snncompile.frontends.torch.temporal import tap_synapses
from snncompile.ir import Add, Linear
from snncompile.nn import TemporalConv
from snncompile.simulate import simulate

pytestmark = pytest.mark.frameworks


def rounded_dcls(c_in, c_out, k, seed=0):
    """A Dcls1d as SNN-delays leaves it after training: version 'max', SIG = 0, positions
    rounded — one tap per synapse, at delay d = K//2 - P."""
    dcls = pytest.importorskip("DCLS.construct.modules")
    torch.manual_seed(seed)
    conv = dcls.Dcls1d(c_in, c_out, kernel_count=1, dilated_kernel_size=k, version="max", bias=True).double()
    with torch.no_grad():
        conv.P.uniform_(-(k // 2), k // 2).round_()
        conv.SIG.zero_()
    return conv


def test_rounded_dcls_is_one_linear_with_the_learned_delays():
    conv = rounded_dcls(4, 6, 7)
    g = trace(TemporalConv(conv), (4,))
    (name,) = [n for n, node in g.items() if isinstance(node, Linear)]
    node = g.nodes[name]
    assert np.array_equal(node.delays, 7 // 2 - conv.P.detach().numpy()[0, :, :, 0])
    # DCLS normalises its one-hot tap by (1 + 1e-7): the weight it multiplies with
    np.testing.assert_allclose(node.weight, conv.weight.detach().numpy()[..., 0] / (1 + 1e-7), rtol=1e-15)


def test_reference_equals_dcls_over_the_padded_sequence():
    k, steps = 7, 25
    conv = rounded_dcls(4, 6, k, seed=2)
    g = trace(TemporalConv(conv), (4,))
    x = (np.random.default_rng(0).random((3, steps, 4)) < 0.3).astype(float)
    seq = torch.as_tensor(x).permute(0, 2, 1)
    with torch.no_grad():  # the SNN-delays forward: pad K-1 left, (K-1)//2 right, Dcls1d over time
        oracle = conv(torch.nn.functional.pad(seq, (k - 1, (k - 1) // 2))).permute(0, 2, 1).numpy()
    got = simulate(g, x, steps=steps + (k - 1) // 2).output()
    np.testing.assert_allclose(got, oracle, rtol=0, atol=1e-12)


def test_unrounded_dcls_and_dilated_conv_trace_to_summed_taps():
    dcls = pytest.importorskip("DCLS.construct.modules")
    torch.manual_seed(3)
    for conv in (dcls.Dcls1d(3, 4, kernel_count=2, dilated_kernel_size=5, version="gauss").double(),
                 torch.nn.Conv1d(3, 4, 3, dilation=2).double()):
        m = TemporalConv(conv)
        g = trace(m, (3,))
        taps = [n for n, node in g.items() if isinstance(node, Linear)]
        assert len(taps) == (5 if hasattr(conv, "DCK") else 3) and isinstance(g.nodes["temporalconv"], Add)
        x = np.random.default_rng(1).random((2, 15, 3))
        with torch.no_grad():
            oracle = m.sequence(torch.as_tensor(x).transpose(0, 1)).transpose(0, 1).numpy()
        np.testing.assert_allclose(simulate(g, x).output(), oracle, rtol=0, atol=1e-12)


def test_tap_synapses_sum_to_the_kernel():
    rng = np.random.default_rng(4)
    kernel = rng.normal(size=(3, 2, 4)) * (rng.random((3, 2, 4)) < 0.5)
    synapses = tap_synapses(kernel, None)
    rebuilt = np.zeros_like(kernel)
    for s in synapses:
        rows, cols = np.indices(s.weight.shape)
        np.add.at(rebuilt, (rows, cols, 3 - s.delays), s.weight)
    np.testing.assert_allclose(rebuilt, kernel)
    assert len(synapses) == max(1, int((kernel != 0).sum(-1).max()))

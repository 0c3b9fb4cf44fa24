"""Toy C: the selective scan against an independent closed form, the block structure."""

import numpy as np
import pytest
import torch

pytest.importorskip("spikingjelly")
pytestmark = pytest.mark.frameworks

from snncompile.zoo.spikmamba import Mamba, SelectiveScan, SpikMamba  # noqa: E402


def closed_form_scan(u, delta, B, C, A_log, D, delta_bias):
    """h_l = sum_{j<=l} exp(S_l - S_j) (delta_j u_j) B_j with S = cumsum(delta * A), numpy."""
    delta = np.logaddexp(0.0, delta + delta_bias)  # softplus
    A = -np.exp(A_log)  # (d, N)
    S = np.cumsum(delta[..., None] * A, axis=1)  # (b, L, d, N)
    L = u.shape[1]
    mask = np.tril(np.ones((L, L)))  # [l, j] = j <= l
    decay = np.exp(S[:, :, None] - S[:, None, :]) * mask[None, :, :, None, None]  # (b, l, j, d, N)
    drive = (delta * u)[..., None] * B[:, :, None, :]  # (b, j, d, N)
    h = np.einsum("bljdn,bjdn->bldn", decay, drive)
    return np.einsum("bldn,bln->bld", h, C) + D * u


def test_selective_scan_matches_the_closed_form_of_the_recurrence():
    torch.manual_seed(0)
    scan = SelectiveScan(6, 4).double()
    with torch.no_grad():
        scan.A_log.add_(torch.randn_like(scan.A_log) * 0.3)
        scan.D.normal_()
    rng = np.random.default_rng(0)
    u, delta = rng.normal(size=(3, 16, 6)), rng.normal(size=(3, 16, 6))
    B, C = rng.normal(size=(3, 16, 4)), rng.normal(size=(3, 16, 4))
    got = scan(*(torch.as_tensor(a) for a in (u, delta, B, C))).detach().numpy()
    want = closed_form_scan(u, delta, B, C, *(p.detach().numpy() for p in
                                              (scan.A_log, scan.D, scan.delta_bias)))
    assert got.shape == (3, 16, 6)
    assert np.max(np.abs(got - want)) < 1e-10


def test_scan_init_follows_mamba():
    torch.manual_seed(0)
    scan = SelectiveScan(64, 4)
    assert torch.allclose(-torch.exp(scan.A_log), -torch.arange(1.0, 5.0).repeat(64, 1))
    dt = torch.nn.functional.softplus(scan.delta_bias.detach())
    assert float(dt.min()) >= 1e-4 * 0.999 and float(dt.max()) <= 0.1 * 1.001
    m = Mamba(32)
    assert m.dt_rank == 2 and m.x_proj.out_features == 10 and m.conv1d.groups == 64


def test_mamba_conv_is_causal_over_tokens():
    torch.manual_seed(0)
    m = Mamba(32).double().eval()
    h = torch.randn(2, 16, 32, dtype=torch.float64)
    h2 = h.clone()
    h2[:, 9:] += 1.0
    with torch.no_grad():
        a, b = m(h), m(h2)
    assert torch.equal(a[:, :9], b[:, :9]) and not torch.equal(a[:, 9:], b[:, 9:])


def test_spiking_parts_and_batchnorm_over_tokens():
    from spikingjelly.activation_based import neuron

    model = SpikMamba()
    lifs = [n for n, m in model.named_modules() if isinstance(m, neuron.LIFNode)]
    assert lifs == ["embed.lif", "la.attn.qk_lif"]
    assert model.embed.bn.num_features == 16 and model.la.attn.qk_bn.num_features == 16
    assert model.embed.proj.kernel_size == (1, 4, 4) and model.steps == 4


FLOOR = 0.88  # measured 0.8978 (examples/train_zoo.py, docs/zoo.md)


def test_loaded_toy_classifies_held_out_digits():
    from snncompile.zoo import data
    from snncompile.zoo.spikmamba import load_spikmamba
    from snncompile.zoo.stepping import WEIGHTS, accuracy

    assert (WEIGHTS / "spikmamba.npz").stat().st_size < 1_000_000
    model = load_spikmamba()
    assert not model.training and model.head.weight.dtype == torch.float64
    x, y = data.event_sequence("test", model.steps, depth_axis=True)
    assert accuracy(model, x, y) >= FLOOR

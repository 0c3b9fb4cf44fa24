"""A trained network on real data: the NIR paper's Braille RSNN (trained in snnTorch,
subtractive reset) rebuilt as an snnTorch model with its trained weights, run by snnTorch
on 70 real Braille samples (256 steps) and by the traced graph. See
tests/data/braille_snntorch/README.md for the sources."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

snntorch = pytest.importorskip("snntorch")
pytestmark = pytest.mark.frameworks

import nir  # noqa: E402

from snncompile.frontends.torch import trace  # noqa: E402
from snncompile.simulate import accuracy, simulate  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "braille_snntorch"
#: accuracy on its 70 Braille samples, snnTorch and simulate alike (docs/frontend-torch.md shows it)
ACCURACY = 0.943


def heaviside(x):
    return (x > 0).to(x.dtype)  # snnTorch's step, keeping float64 (its default casts to float32)


def trained_model(dtype: torch.dtype = torch.float64) -> nn.Module:
    """float64 uses ``spike_grad=heaviside``; float32 snnTorch's default surrogate."""
    grad = dict(spike_grad=heaviside) if dtype == torch.float64 else {}
    graph = nir.read(DATA / "braille_noDelay_noBias_subtract.nir")
    params = json.loads((DATA / "parameters_noDelay_noBias_ref_subtract.json").read_text())
    hidden = params["nb_hidden"]
    model = nn.Sequential(
        nn.Linear(12, hidden, bias=False),
        snntorch.RSynaptic(alpha=params["alpha_r"], beta=params["beta_r"], linear_features=hidden,
                           init_hidden=True, **grad),
        nn.Linear(hidden, 7, bias=False),
        snntorch.Synaptic(alpha=params["alpha_out"], beta=params["beta_out"], init_hidden=True, **grad),
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.as_tensor(graph.nodes["fc1"].weight))
        model[1].recurrent.weight.copy_(torch.as_tensor(graph.nodes["lif1.w_rec"].weight))
        model[1].recurrent.bias.zero_()  # the NIR recurrent Linear has no bias
        model[2].weight.copy_(torch.as_tensor(graph.nodes["fc2"].weight))
    return model.to(dtype).eval()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_trained_braille_rsnn_matches_snntorch_spike_for_spike(dtype):
    data = np.load(DATA / "braille7_fold0_first70.npz", allow_pickle=False)
    x = data["spikes"].astype(np.float64 if dtype == torch.float64 else np.float32)  # (70, 256, 12)
    model = trained_model(dtype)
    hidden, out = [], []
    with torch.no_grad():
        for m in model.modules():
            if hasattr(m, "reset_mem"):
                m.reset_mem()
        for t in range(x.shape[1]):
            out.append(model(torch.as_tensor(x[:, t])))
            hidden.append(model[1].spk.clone())
    reference_hidden = torch.stack(hidden, 1).numpy()
    reference_out = torch.stack(out, 1).numpy()

    graph = trace(model, (12,))
    result = simulate(graph, x, record=["1", "3"], dtype=dtype)
    assert np.array_equal(result.recorded["1"], reference_hidden)
    assert np.array_equal(result.output(), reference_out)
    acc = accuracy(result.output(), data["labels"])
    assert acc == accuracy(reference_out, data["labels"])
    assert acc == pytest.approx(ACCURACY, abs=5e-4), acc  # 66 of 70: a trained network, far above chance (1/7)
    assert reference_hidden.sum() > 1000

"""Toy E (STSC-SNN): the per-step encoder against the original multi-step STSC, and the
compiled network against its float graph and the PyTorch module (issue 8 acceptance)."""

import numpy as np
import pytest
import torch

pytest.importorskip("spikingjelly")
pytestmark = pytest.mark.frameworks

from snncompile.zoo.stsc import LAG, STSCEncoder, load_stsc  # noqa: E402
from tests.zoo.seeds import assert_compiled_matches_float, assert_float_matches_module  # noqa: E402


def test_per_step_encoder_is_the_original_stsc_lag_steps_late():
    """Step by step over x followed by LAG zero steps, the encoder's output from step LAG
    on is the original's conv1d-over-time STSC (non-causal, padding 2) of x; before, 0."""
    torch.manual_seed(3)
    enc = STSCEncoder(6).double()
    x = torch.rand(4, 11, 6, dtype=torch.float64) * 2 - 0.5
    padded = torch.cat([x, x.new_zeros(4, LAG, 6)], dim=1)
    with torch.no_grad():
        enc.reset()
        steps = torch.stack([enc(padded[:, t]) for t in range(padded.shape[1])], dim=1)
        original = enc.sequence(x)
    assert torch.all(steps[:, :LAG] == 0)
    assert torch.allclose(steps[:, LAG:], original, rtol=0, atol=1e-12)
    assert original.abs().max() > 0.1


def test_toy_e_is_trained():
    from snncompile.zoo import braille
    from snncompile.zoo.stepping import accuracy

    x, y = braille.stsc_sequence("test")
    assert accuracy(load_stsc(), x, y) >= 0.7  # measured 0.7742 (examples/train_zoo_seeds.py); chance 1/7


@pytest.fixture(scope="module")
def measured():
    from snncompile.zoo.table import measure

    return measure("stsc", estimates=False)  # all 124 held-out Braille recordings


def test_float_graph_reproduces_the_module(measured):
    assert_float_matches_module(measured)
    assert measured["pytorch"]["spiking_layers"] == 3


def test_compiled_encoder_on_host_lifs_on_chip(measured):
    from snncompile.zoo.table import structure

    s = structure("stsc")
    assert s["chip"]["LIF"] == 3 and "LIF" not in s["host"]
    assert {"Sigmoid", "Mul"} <= set(s["host"])  # the data-dependent gate
    assert_compiled_matches_float(measured)
    assert np.isclose(measured["compiled"]["score"], measured["score"]["float"], atol=0.02)


@pytest.mark.lava
def test_lava_equals_emulator():
    pytest.importorskip("lava")
    from tests.zoo.seeds import assert_lava_equals_emulator

    assert_lava_equals_emulator("stsc")

"""Toy A: the stored weights load into the module and classify held-out digits."""

import numpy as np
import pytest
import torch

pytest.importorskip("spikingjelly")
pytestmark = pytest.mark.frameworks

from snncompile.zoo import data  # noqa: E402
from snncompile.zoo.spikformer import load_spikformer  # noqa: E402
from snncompile.zoo.stepping import WEIGHTS, accuracy  # noqa: E402

FLOOR = 0.90  # measured 0.9133 (examples/train_zoo.py, docs/zoo.md)


def test_weights_are_small_plain_arrays():
    path = WEIGHTS / "spikformer.npz"
    assert path.stat().st_size < 1_000_000
    with np.load(path, allow_pickle=False) as d:
        assert d["head.weight"].shape == (10, 32)


def test_loaded_toy_classifies_held_out_digits():
    model = load_spikformer()
    assert not model.training and model.head.weight.dtype == torch.float64
    x, y = data.static_sequence("test", model.steps)
    assert accuracy(model, x, y) >= FLOOR

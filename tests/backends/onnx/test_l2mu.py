"""The trained L2MU (spiking Legendre Memory Unit, four snnTorch Leaky populations with
delayed subtractive reset, a 490 x 490 block-diagonal memory recurrence) exports to ONNX
and runs spike for spike like the reference on real Braille samples, one per class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx
from snncompile.simulate import accuracy, simulate
from snncompile.zoo.l2mu import load_l2mu

pytest.importorskip("onnxruntime")

DATA = Path(__file__).resolve().parents[2] / "data"


def test_trained_l2mu_matches_reference_spike_for_spike():
    graph = load_l2mu(DATA / "l2mu")
    data = np.load(DATA / "onnx" / "braille7_fold0_42.npz")
    one_per_class = np.arange(0, 42, 6)
    x, labels = data["spikes"][one_per_class].astype(np.float32), data["labels"][one_per_class]
    populations = ["u", "m", "h", "out"]
    ref = simulate(graph, x, record=populations, dtype=torch.float32)
    got = run_onnx(to_onnx(graph, record=populations), x)
    for name in populations:
        assert ref.recorded[name].sum() > 0, name
        np.testing.assert_array_equal(got.recorded[name], ref.recorded[name], err_msg=name)
    np.testing.assert_array_equal(got.output(), ref.output())
    assert accuracy(got.output(), labels) >= 6 / 7

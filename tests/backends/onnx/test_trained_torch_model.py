"""Train-to-ONNX end to end: the trained snnTorch Braille RSNN of examples/models.py
(RSynaptic + Synaptic, subtractive reset one step late) is exported by the CLI straight
from its factory and state dict, then run in ONNX Runtime on 42 real Braille samples;
snnTorch's own forward pass in float32 must produce the same spikes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from snncompile.backends.onnx import run_onnx
from snncompile.cli.main import main
from snncompile.simulate import accuracy

pytest.importorskip("snntorch")
pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.frameworks

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
DATA = ROOT / "tests" / "data" / "onnx"


def snntorch_forward(x: np.ndarray) -> np.ndarray:
    spec = importlib.util.spec_from_file_location("example_models", EXAMPLES / "models.py")
    assert spec is not None and spec.loader is not None
    models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(models)
    model = models.braille_snntorch()
    model.load_state_dict(torch.load(EXAMPLES / "braille_snntorch.pt", weights_only=True))
    model.eval()
    out = []
    with torch.no_grad():
        for m in model.modules():
            if hasattr(m, "reset_mem"):
                m.reset_mem()
        for t in range(x.shape[1]):
            out.append(model(torch.as_tensor(x[:, t])))
    return torch.stack(out, 1).numpy()


def test_cli_export_of_the_trained_snntorch_model_runs_like_snntorch(tmp_path):
    path = tmp_path / "braille.onnx"
    assert main(["export", f"{EXAMPLES / 'models.py'}:braille_snntorch", "--weights", str(EXAMPLES / "braille_snntorch.pt"),
                 "--input-shape", "12", "--to", "onnx", "-o", str(path)]) == 0
    data = np.load(DATA / "braille7_fold0_42.npz")
    x = data["spikes"].astype(np.float32)
    want = snntorch_forward(x)
    got = run_onnx(path, x).output()
    assert 500 < want.sum()
    np.testing.assert_array_equal(got, want)
    assert accuracy(got, data["labels"]) > 0.9

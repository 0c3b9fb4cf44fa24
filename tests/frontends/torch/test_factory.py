"""load_factory: user files are imported from their path, weights never unpickled, and
every problem is an InputError naming the file."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from snncompile.errors import InputError
from snncompile.frontends.torch import load_factory, trace
from snncompile.simulate import simulate

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models.py"

MODEL_FILE = """
import torch
from torch import nn
import snncompile.nn as snn

def net(input_shape=(3,)):
    return nn.Sequential(nn.Linear(input_shape[0], 4), snn.LIF(decay=0.5))

def fails():
    raise RuntimeError("boom")

def not_a_module():
    return 42
"""


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "user_model.py"
    path.write_text(MODEL_FILE)
    return path


def test_loads_and_passes_input_shape(model_file):
    model = load_factory(f"{model_file}:net", None, (5,))
    assert model[0].in_features == 5 and not model.training


def test_weights_are_loaded(model_file, tmp_path):
    source = load_factory(f"{model_file}:net", None, (3,))
    with torch.no_grad():
        source[0].weight.fill_(0.25)
    weights = tmp_path / "w.pt"
    torch.save(source.state_dict(), weights)
    model = load_factory(f"{model_file}:net", weights, (3,))
    assert torch.equal(model[0].weight, source[0].weight)


@pytest.mark.parametrize(
    "spec,message",
    [
        ("{dir}/missing.py:net", "model file '.*missing.py' does not exist"),
        ("{file}", "expected 'path/file.py:factory'"),
        ("{file}:nope", r"has no factory 'nope'; callables defined there: \['fails', 'net', 'not_a_module'\]"),
        ("{file}:fails", "factory 'fails' in '.*user_model.py' failed: RuntimeError: boom"),
        ("{file}:not_a_module", "returned int, expected a torch.nn.Module"),
    ],
)
def test_bad_specs(model_file, tmp_path, spec, message):
    with pytest.raises(InputError, match=message):
        load_factory(spec.format(dir=tmp_path, file=model_file), None, (3,))


def test_import_error_names_the_file(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("def net(:\n")
    with pytest.raises(InputError, match=r"cannot import model file '.*broken.py': SyntaxError"):
        load_factory(f"{bad}:net")


class Evil:
    def __reduce__(self):
        return (print, ("unpickled!",))


def test_bad_weights(model_file, tmp_path):
    good = load_factory(f"{model_file}:net", None, (3,)).state_dict()
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match=r"cannot read weights file '.*corrupt.pt'"):
        load_factory(f"{model_file}:net", corrupt, (3,))
    evil = tmp_path / "evil.pt"
    torch.save({"0.weight": Evil()}, evil, pickle_module=pickle)
    with pytest.raises(InputError, match=r"cannot read weights file '.*evil.pt'.*UnpicklingError"):
        load_factory(f"{model_file}:net", evil, (3,))
    mismatched = tmp_path / "mismatched.pt"
    torch.save({"0.weight": torch.zeros(4, 2), "extra": torch.zeros(1)}, mismatched)
    with pytest.raises(InputError) as info:
        load_factory(f"{model_file}:net", mismatched, (3,))
    text = str(info.value)
    assert "mismatched.pt" in text and "missing keys ['0.bias', '1.bias', '1.decay'" in text
    assert "unexpected keys ['extra']" in text
    assert "0.weight: model (4, 3) vs file (4, 2)" in text
    assert {"0.weight", "0.bias", "1.decay", "1.threshold"} <= set(good)


@pytest.mark.parametrize("factory", ["braille_lif", "braille_snntorch"])
def test_example_factories_trace_and_run(factory):
    if factory == "braille_snntorch":
        pytest.importorskip("snntorch")
    model = load_factory(f"{EXAMPLES}:{factory}", None, (12,))
    graph = trace(model, (12,))
    x = (np.random.default_rng(0).random((2, 20, 12)) < 0.3).astype(np.float32)
    assert simulate(graph, x).output().shape == (2, 20, 7)


HOSTILE = {
    "base-exception": ("class Boom(BaseException):\n    pass\n\ndef factory():\n    raise Boom('boom')\n",
                       "factory 'factory' in '{path}' failed: Boom: boom"),
    "system-exit": ("import sys\n\ndef factory():\n    sys.exit(3)\n", "factory 'factory' in '{path}' failed: SystemExit: 3"),
    "exit-at-import": ("import sys\nsys.exit(0)\n", "cannot import model file '{path}': SystemExit: 0"),
    "loops": ("def factory():\n    while True:\n        pass\n", "did not finish within 1 s"),
    "loops-at-import": ("while True:\n    pass\n", "did not finish within 1 s"),
    "sleeps": ("import time\n\ndef factory():\n    time.sleep(10**6)\n", "did not finish within 1 s"),
    "forward-loops": ("import torch\nfrom torch import nn\n\nclass M(nn.Module):\n    def __init__(self):\n"
                      "        super().__init__()\n        self.fc = nn.Linear(3, 2)\n    def forward(self, x):\n"
                      "        while True:\n            pass\n\ndef factory():\n    return M()\n",
                      "did not finish within 1 s"),
    "forward-exits": ("import sys\nfrom torch import nn\n\nclass M(nn.Module):\n    def forward(self, x):\n"
                      "        sys.exit(4)\n\ndef factory():\n    return M()\n", "the model raised SystemExit (4)"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_factories_are_named_errors_within_the_time_limit(tmp_path, monkeypatch, case):
    """Models that raise anything (SystemExit, BaseException subclasses) or never return
    are one InputError naming the file, within SNNCOMPILE_FACTORY_TIMEOUT."""
    import time

    from snncompile.api import ModelOptions, load_model

    source, expected = HOSTILE[case]
    path = tmp_path / "hostile.py"
    path.write_text(source)
    monkeypatch.setenv("SNNCOMPILE_FACTORY_TIMEOUT", "1")
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        load_model(f"{path}:factory", ModelOptions(input_shape=(3,)))
    assert time.monotonic() - start < 20
    assert expected.format(path=path) in str(info.value) and str(path) in str(info.value)


def test_complex_and_non_finite_weights_are_refused(model_file, tmp_path):
    state = load_factory(f"{model_file}:net", input_shape=(3,)).state_dict()
    key = next(iter(state))
    for name, value in (("complex", state[key].to(torch.complex64)), ("inf", torch.full_like(state[key], np.inf))):
        path = tmp_path / f"{name}.pt"
        torch.save({**state, key: value}, path)
        with pytest.raises(InputError, match=f"weights file '{path}': '{key}'"):
            load_factory(f"{model_file}:net", path, input_shape=(3,))

"""The CLI reads file.py:factory models through the front end (api -> load_factory -> trace)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from snncompile.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models.py"
DATA = Path(__file__).resolve().parents[2] / "data" / "braille_snntorch"


def test_inspect_example_factory(capsys):
    assert main(["inspect", f"{EXAMPLES}:braille_lif", "--input-shape", "12", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    kinds = [n["kind"] for n in result["nodes"]]
    assert kinds == ["Input", "Linear", "LIF", "Linear", "LIF", "Output"]


def test_missing_factory_is_one_line_exit_2(capsys):
    assert main(["inspect", f"{EXAMPLES}:nope", "--input-shape", "12"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "has no factory 'nope'" in err and "braille_lif" in err


def test_simulate_trained_example_with_weights(tmp_path, capsys):
    """examples/models.py:braille_snntorch + its trained weights through the CLI, on 70
    real Braille samples: the NIR paper network's accuracy (0.943, see test_braille_trained)."""
    pytest.importorskip("snntorch")
    data = np.load(DATA / "braille7_fold0_first70.npz", allow_pickle=False)
    inputs = tmp_path / "braille.npz"
    np.savez(inputs, input=data["spikes"].astype(np.float32), labels=data["labels"])
    weights = EXAMPLES.parent / "braille_snntorch.pt"
    code = main(["simulate", f"{EXAMPLES}:braille_snntorch", "--weights", str(weights), "--input", str(inputs),
                 "--json", "--no-progress"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] == pytest.approx(66 / 70)

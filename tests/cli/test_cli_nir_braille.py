"""The CLI on real data: the NIR paper's subtract-reset Braille RNN (trained in snnTorch,
whose subtract reset is delayed) on braille7_fold0, with the reset chosen explicitly."""

import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
GRAPH = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"


@pytest.fixture(scope="module")
def braille_input(tmp_path_factory):
    with np.load(DATA / "braille" / "braille7_fold0.npz") as d:
        path = tmp_path_factory.mktemp("braille") / "fold0.npz"
        np.savez(path, input=d["spikes"].astype(np.float32), labels=d["labels"])
    return path


@pytest.mark.parametrize("timing,expected", [("delayed", 0.975), ("immediate", 0.9714)])
def test_reset_timing_is_an_explicit_choice(run_cli, braille_input, timing, expected):
    code, out, _ = run_cli("simulate", GRAPH, "--input", braille_input, "--reset", "subtract",
                           "--reset-timing", timing, "--json", "--no-progress")
    assert code == 0
    assert json.loads(out)["accuracy"] == pytest.approx(expected, abs=1e-3)

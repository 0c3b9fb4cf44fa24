"""The error budget on the command line: compile --calibrate prints it for the
calibration input; compare --explain measures it for an artifact on any input (the same
numbers on the same input: the compilation is reproduced, not guessed)."""

import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
GRAPH = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir"


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    with np.load(DATA / "braille" / "braille7_fold0.npz") as d:
        path = tmp_path_factory.mktemp("braille") / "fold0_16.npz"
        np.savez(path, input=d["spikes"][:16].astype(np.float32), labels=d["labels"][:16])
    return path


def test_compile_reports_and_compare_explains_the_same_budget(run_cli, samples, tmp_path):
    artifact = tmp_path / "b.snnc"
    single = ("--weight-split", "1")  # 8-bit weights: the budget then names weight rounding
    code, text, err = run_cli("compile", GRAPH, "--reset", "zero", "--calibrate", samples, "-o", artifact, *single)
    assert code == 0, err
    assert "error budget on the calibration input" in text
    assert "largest source: weights" in text and "--weight-split 2 --bias-split 2" in text
    code, out, err = run_cli("compile", GRAPH, "--reset", "zero", "--calibrate", samples, "-o", artifact, "--json",
                             *single)
    compiled = json.loads(out)["report"]["budget"]
    code, out, err = run_cli("compare", artifact, "--input", samples, "--explain", "--json", "--no-progress")
    assert code == 0, err
    explained = json.loads(out)["budget"]
    assert explained["layers"] == compiled["layers"] and explained["output_layers"] == compiled["output_layers"]
    assert explained["largest"] == "weights"
    code, text, _ = run_cli("compare", artifact, "--input", samples, "--explain", "--no-progress")
    assert "error budget on this input" in text


def test_no_budget_skips_it(run_cli, samples, tmp_path):
    code, out, err = run_cli("compile", GRAPH, "--reset", "zero", "--calibrate", samples, "--no-budget",
                             "-o", tmp_path / "b.snnc", "--json")
    assert code == 0, err
    assert json.loads(out)["report"]["budget"] is None


def test_compile_chooses_the_precision_and_weight_split_1_keeps_single(run_cli, samples, tmp_path):
    """Default: the zero-reset Braille graph's single-precision output layer is below 99 %
    on the calibration input, so compile splits the weights and says so; --weight-split 1
    keeps 8-bit weights (and no note)."""
    code, out, err = run_cli("compile", GRAPH, "--reset", "zero", "--calibrate", samples, "--no-budget",
                             "-o", tmp_path / "auto.snnc", "--json")
    assert code == 0, err
    report = json.loads(out)["report"]
    assert report["options"]["weight_split"] == 2, report["notes"]
    assert any(n.startswith("precision:") and "--weight-split 1" in n for n in report["notes"])
    code, text, err = run_cli("compile", GRAPH, "--reset", "zero", "--calibrate", samples, "--no-budget",
                              "-o", tmp_path / "single.snnc", "--weight-split", "1")
    assert code == 0, err
    assert "precision:" not in text

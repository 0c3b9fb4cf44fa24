"""A compiled artifact is a MODEL too: simulate and estimate run its integer graph on
the emulator by default, and its float graph on the reference backend."""

import json

import pytest


@pytest.fixture
def artifact(run_cli, ir_model, tmp_path):
    path = tmp_path / "model.snnc"
    code, _, err = run_cli("compile", ir_model, "--target", "loihi2", "-o", path)
    assert code == 0, err
    return path


def test_simulate_artifact_defaults_to_the_emulator(run_cli, artifact, input_file):
    code, out, err = run_cli("simulate", artifact, "--input", input_file, "--json", "--no-progress")
    assert code == 0, err
    emulated = json.loads(out)
    assert emulated["backend"] == "emulator"
    code, out, _ = run_cli("simulate", artifact, "--input", input_file, "--backend", "reference", "--json")
    reference = json.loads(out)
    assert reference["backend"] == "reference"
    # the fixed graph lags the float one by one synapse stage, so the spike counts can
    # differ by the last step's spikes, but both see the same input and both fire
    assert emulated["outputs"]["y"]["spikes"] > 0 and reference["outputs"]["y"]["spikes"] > 0


def test_estimate_artifact_counts_the_integer_graph(run_cli, artifact, input_file):
    code, out, err = run_cli("estimate", artifact, "--input", input_file, "--target", "loihi", "--json")
    assert code == 0, err
    kinds = {row["kind"] for row in json.loads(out)["metrics"]["neurons"]}
    assert "FixedLIF" in kinds


def test_artifact_refuses_a_new_dt(run_cli, artifact, input_file):
    code, _, err = run_cli("simulate", artifact, "--input", input_file, "--dt", "1e-3")
    assert code == 2 and "fixes its dt" in err


def test_simulate_and_compare_report_the_same_accuracy(run_cli, tmp_path):
    """simulate flushes the compiled pipeline (its outputs arrive lag steps late), so on
    the same data it scores what compare scores; --no-flush keeps the chip's timeline."""
    from pathlib import Path

    import numpy as np

    data = Path(__file__).resolve().parents[1] / "data"
    graph = data / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"
    with np.load(data / "braille" / "braille7_fold0.npz") as d:
        inputs = tmp_path / "fold0.npz"
        np.savez(inputs, input=d["spikes"][:40].astype(np.float32), labels=d["labels"][:40])
    artifact = tmp_path / "braille.snnc"
    code, _, err = run_cli("compile", graph, "--target", "loihi2", "--reset", "subtract", "-o", artifact)
    assert code == 0, err
    code, out, err = run_cli("compare", artifact, "--input", inputs, "--json", "--no-progress")
    assert code == 0, err
    compared = json.loads(out)["accuracy_by_backend"]["emulator"]
    code, out, err = run_cli("simulate", artifact, "--input", inputs, "--json", "--no-progress")
    assert code == 0, err
    simulated = json.loads(out)
    assert simulated["flushed"] > 0 and simulated["steps"] == 256
    assert simulated["accuracy"] == compared
    code, out, _ = run_cli("simulate", artifact, "--input", inputs, "--json", "--no-progress", "--no-flush")
    assert json.loads(out)["flushed"] == 0
    code, text, _ = run_cli("simulate", artifact, "--input", inputs, "--no-progress")
    assert "flush the pipeline" in text and "float timeline" in text


def test_simulate_refuses_no_steps(run_cli, artifact, input_file):
    code, _, err = run_cli("simulate", artifact, "--input", input_file, "--steps", "0", "--no-progress")
    assert code == 2 and "--steps must be at least 1, found 0" in err

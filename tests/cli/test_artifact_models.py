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

"""``--readout`` (evaluate, compare, simulate, sweep) and ``readout=`` (API): the decision
rule of :mod:`snncompile.simulate.readout`, chosen by the user, else declared by a zoo
model, else spike count; checked against numpy decisions written here, on a hand graph
whose first spike and spike count disagree and on zoo:relpsp (the seed table's number)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from snncompile.compile import build_artifact, save_artifact
from snncompile.errors import InputError
from snncompile.ir import save_graph
from tests.readout_cases import copy_graph, disagreeing_inputs

MEASUREMENTS = Path(__file__).parents[2] / "snncompile" / "zoo" / "measurements.json"


def first_spike_oracle(out: np.ndarray) -> np.ndarray:
    """Class of the earliest output spike (ties: lower index), -1 when silent (numpy only)."""
    out = out.reshape(out.shape[0], out.shape[1], -1) != 0
    times = np.where(out.any(axis=1), out.argmax(axis=1), np.inf)  # (n, classes) first spike step
    return np.where(np.isfinite(times).any(axis=1), times.argmin(axis=1), -1)


@pytest.fixture
def copy_model(tmp_path):
    path = tmp_path / "copy.snnir"
    save_graph(copy_graph(), path)
    return path


@pytest.fixture
def disagreeing(tmp_path):
    """Labels 1, 0, 0 on :func:`~tests.readout_cases.disagreeing_inputs`."""
    path = tmp_path / "dis.npz"
    np.savez(path, input=disagreeing_inputs(), labels=np.array([1, 0, 0]))
    return path


def test_evaluate_decides_by_the_readout_asked(run_cli, copy_model, disagreeing):
    results = {}
    for readout in ("count", "first-spike"):
        code, out, err = run_cli("evaluate", copy_model, "--data", disagreeing, "--target", "none", "--readout",
                                 readout, "--json", "--no-progress")
        assert code == 0, err
        results[readout] = json.loads(out)
        assert results[readout]["readout"] == readout and results[readout]["readout_chosen_by"] == "option"
    count, first = results["count"], results["first-spike"]
    assert count["accuracy"] == pytest.approx(2 / 3) and count["undecided"] == 0  # silent is class 0 by argmax
    assert first["accuracy"] == pytest.approx(2 / 3) and first["correct"] == 2 and first["undecided"] == 1
    assert count["confusion"] == [[2, 0], [1, 0]] and first["confusion"] == [[1, 0], [0, 1]]
    assert [r["undecided"] for r in first["per_class"]] == [1, 0] and first["per_class"][0]["samples"] == 2
    code, out, _ = run_cli("evaluate", copy_model, "--data", disagreeing, "--target", "none", "--no-progress")
    assert "readout: count (default)" in out
    code, out, _ = run_cli("evaluate", copy_model, "--data", disagreeing, "--target", "none", "--no-progress",
                           "--readout", "first-spike")
    assert "readout: first-spike (--readout)" in out and "1 undecided (no output spike), counted wrong" in out


def test_simulate_compare_and_sweep_take_the_readout(run_cli, copy_model, disagreeing, tmp_path):
    code, out, err = run_cli("simulate", copy_model, "--input", disagreeing, "--readout", "first-spike", "--json",
                             "--no-progress")
    assert code == 0, err
    result = json.loads(out)
    assert result["readout"] == "first-spike" and result["accuracy"] == pytest.approx(2 / 3)
    artifact = tmp_path / "copy.snnc"
    from snncompile.ir import load_graph

    x = np.load(disagreeing)["input"]
    save_artifact(build_artifact(load_graph(copy_model), "loihi", calibrate=x), artifact)
    for readout, expected in (("count", [0, 0, 0]), ("first-spike", [1, 0, -1])):
        code, out, err = run_cli("compare", artifact, "--input", disagreeing, "--readout", readout, "--json",
                                 "--no-progress")
        assert code == 0, err
        result = json.loads(out)
        accuracy = float(np.mean(np.array(expected) == [1, 0, 0]))
        assert result["readout"] == readout and result["accuracy_by_backend"] == {"reference": accuracy,
                                                                                   "emulator": accuracy}
    code, out, err = run_cli("sweep", copy_model, "--data", disagreeing, "--target", "loihi", "--weight-bits", "8",
                             "-o", tmp_path / "sw", "--readout", "first-spike", "--json", "--no-progress")
    assert code == 0, err
    result = json.loads(out)
    assert result["readout"] == "first-spike" and result["rows"][0]["accuracy"] == pytest.approx(2 / 3)
    cell = json.loads((tmp_path / "sw" / "cells" / f"{result['rows'][0]['cell']}.json").read_text())
    assert cell["readout"] == "first-spike" and cell["undecided"] == 1


def test_compare_explain_scores_the_budget_by_the_same_readout(run_cli, copy_model, tmp_path):
    """compare --explain's error budget decides classes as compare does (labels 1, 0, 1:
    count 1/3, first spike 2/3 on every run)."""
    from snncompile.ir import load_graph
    from tests.readout_cases import DECIDED

    x, labels = disagreeing_inputs(), np.array([1, 0, 1])
    data, artifact = tmp_path / "d.npz", tmp_path / "copy.snnc"
    np.savez(data, input=x, labels=labels)
    save_artifact(build_artifact(load_graph(copy_model), "loihi", calibrate=x), artifact)
    for readout, decided in DECIDED.items():
        code, out, err = run_cli("compare", artifact, "--input", data, "--readout", readout, "--explain", "--json",
                                 "--no-progress")
        assert code == 0, err
        result = json.loads(out)
        expected = float(np.mean(np.array(decided) == labels))
        assert result["budget"]["readout"] == readout
        assert set(result["budget"]["accuracy_by_run"].values()) == {expected}
        assert set(result["accuracy_by_backend"].values()) == {expected}


@pytest.mark.parametrize("command", ["evaluate", "compare", "simulate", "sweep"])
def test_a_bad_readout_is_one_line_naming_the_option_and_the_choices(command, run_cli, copy_model, disagreeing,
                                                                     tmp_path, capsys):
    data = {"evaluate": ["--data"], "sweep": ["--data"], "compare": ["--input"], "simulate": ["--input"]}[command]
    extra = ["--target", "loihi", "--weight-bits", "8", "-o", tmp_path / "s"] if command == "sweep" else []
    with pytest.raises(SystemExit) as caught:  # a usage error, as argparse reports every bad choice
        run_cli(command, copy_model, *data, disagreeing, *extra, "--readout", "votes")
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.splitlines()[-1] == (f"snncompile {command}: error: argument --readout: invalid choice: 'votes' "
                                    "(choose from 'count', 'first-spike')")


def test_the_api_names_the_readout_parameter(copy_model, disagreeing):
    from snncompile.api import choose_readout, load_model
    from snncompile.cli.flags import cli_message
    from snncompile.datasets import open_data
    from snncompile.evaluate import evaluate

    graph = load_model(str(copy_model))
    with pytest.raises(InputError) as caught:
        evaluate(graph, open_data(str(disagreeing), graph), "reference", readout="votes")
    assert caught.value.options == ("readout",)
    assert cli_message(caught.value).startswith("--readout 'votes': unknown readout; choose one of 'count'")
    with pytest.raises(InputError, match="readout='rmse' is a regression and decides no class"):
        evaluate(graph, open_data(str(disagreeing), graph), "reference", readout="rmse")
    ev = evaluate(graph, open_data(str(disagreeing), graph), "reference", readout="first-spike")
    assert ev.readout == "first-spike" and ev.undecided == 1 and ev.counts.predicted.tolist() == [1, 0, -1]
    assert choose_readout(None, "zoo:relpsp") == ("first-spike", "model")
    assert choose_readout("count", "zoo:relpsp") == ("count", "option")
    assert choose_readout(None, str(copy_model)) == ("count", "default")
    with pytest.raises(InputError, match="zoo:tcn: its readout 'rmse' is a regression"):
        choose_readout(None, "zoo:tcn", classifying=True)


def test_evaluate_zoo_relpsp_scores_the_seed_tables_first_spike_accuracy(run_cli, tmp_path):
    """All 450 held-out digits: the accuracy docs/zoo.md shows for the float graph (0.9200,
    first spike), equal to a numpy first-spike decision over the reference's outputs;
    ``--readout count`` scores the same outputs by spike count."""
    from snncompile.simulate import get_backend
    from snncompile.zoo.models import zoo_entry, zoo_graph

    x, labels = zoo_entry("relpsp").data("test")
    path = tmp_path / "relpsp.npz"
    np.savez(path, input=x, labels=labels)
    code, out, err = run_cli("evaluate", "zoo:relpsp", "--data", path, "--target", "none", "--json", "--no-progress")
    assert code == 0, err
    result = json.loads(out)
    assert result["readout"] == "first-spike" and result["readout_chosen_by"] == "model"
    outputs = get_backend("reference").run(zoo_graph("relpsp"), x).output()
    decided = first_spike_oracle(outputs)
    assert result["correct"] == int((decided == labels).sum()) and result["undecided"] == int((decided < 0).sum())
    seed = json.loads(MEASUREMENTS.read_text())["rows"]["relpsp"]["measured"]
    assert seed["score"]["metric"] == "first-spike accuracy" and seed["samples"] == len(labels) == 450
    assert result["accuracy"] == seed["score"]["float"] == pytest.approx(0.92)
    code, out, err = run_cli("evaluate", "zoo:relpsp", "--data", path, "--target", "none", "--json", "--no-progress",
                             "--readout", "count")
    count = json.loads(out)
    assert count["readout_chosen_by"] == "option"
    assert count["correct"] == int((outputs.sum(axis=1).argmax(axis=1) == labels).sum())
    code, out, _ = run_cli("evaluate", "zoo:relpsp", "--data", path, "--target", "none", "--no-progress",
                           "--limit", "20")
    assert "readout: first-spike (declared by zoo:relpsp)" in out

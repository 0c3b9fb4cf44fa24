"""The acceptance sweep: the NIR paper's Braille RNN over 2 targets x 3 weight widths.

The network resets by subtraction, which Loihi 1's descriptor does not allow (compile
refuses it); Loihi 2 computes the same integers Loihi 1 would, and SpiNNaker 2 its own."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from snncompile.api import ModelOptions, load_model
from snncompile.compile import load_artifact
from snncompile.datasets import open_data
from snncompile.evaluate import evaluate
from snncompile.simulate import graph_for
from snncompile.sweep import SweepRun, grid, run_sweep

DATA = Path(__file__).resolve().parents[1] / "data"
GRAPH = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"


@pytest.fixture(scope="module")
def braille(tmp_path_factory):
    with np.load(DATA / "braille" / "braille7_fold0.npz") as d:
        path = tmp_path_factory.mktemp("braille") / "fold0.npz"
        np.savez(path, input=d["spikes"], labels=d["labels"], classes=d["classes"])
    return load_model(str(GRAPH), ModelOptions(reset="subtract", reset_timing="delayed")), path


@pytest.fixture(scope="module")
def swept(braille, tmp_path_factory):
    graph, data = braille
    out = tmp_path_factory.mktemp("sweep")
    cells = grid(["loihi2", "spinnaker2"], [4, 6, 9])
    return run_sweep(graph, cells, out, SweepRun(str(data), borrow={"loihi2": "loihi"}), model=str(GRAPH)), out


def test_the_table_the_plot_and_every_artifact_are_written(swept):
    result, out = swept
    for name in ("sweep.csv", "sweep.json", "pareto.png", "pareto.html"):
        assert (out / name).stat().st_size > 0
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (out / "pareto.html").read_text()
    with open(out / "sweep.csv") as f:
        table = list(csv.DictReader(f))
    assert [r["cell"] for r in table] == ["loihi2-w4", "loihi2-w6", "loihi2-w9", "spinnaker2-w4", "spinnaker2-w6",
                                          "spinnaker2-w9"]
    assert [r["status"] for r in table] == ["ok", "ok", "skipped", "ok", "ok", "ok"]  # SpiNNaker 2: 15-bit weights
    assert table[2]["reason"] == "loihi2 holds at most 8 weight mantissa bits"
    assert json.loads((out / "sweep.json").read_text())["rows"][0]["cell"] == "loihi2-w4"


def test_more_weight_bits_cost_energy_and_keep_accuracy(swept):
    rows = {r["cell"]: r for r in swept[0].rows}
    for target in ("loihi2", "spinnaker2"):
        assert rows[f"{target}-w6"]["accuracy"] > 0.9 > rows[f"{target}-w4"]["accuracy"], target
        assert rows[f"{target}-w6"]["energy_j"] > rows[f"{target}-w4"]["energy_j"] > 0, target
    # loihi2 borrows loihi's energy and timing figures: its own static power over that latency
    # is part of every cell's energy
    static = 0.232 * rows["loihi2-w6"]["latency_s"]  # targets/loihi2.toml static_power_w
    assert rows["loihi2-w6"]["energy_j"] > static > 0
    assert swept[0].best["loihi2"] == "loihi2-w6"


def test_a_chosen_cell_deploys_as_it_was_measured(swept, braille):
    graph, data = braille
    row = next(r for r in swept[0].rows if r["cell"] == "loihi2-w6")
    assert row["output"] == "cells/loihi2-w6.snnc"
    artifact = load_artifact(swept[1] / row["output"])
    assert artifact.provenance["options"]["weight_bits"] == 6
    fixed = graph_for(artifact, "emulator")
    again = evaluate(fixed, open_data(data, fixed), "emulator")
    assert again.accuracy == row["accuracy"]
    saved = json.loads((swept[1] / "cells" / "loihi2-w6.json").read_text())
    assert saved["accuracy"] == row["accuracy"] and saved["samples"] == 280

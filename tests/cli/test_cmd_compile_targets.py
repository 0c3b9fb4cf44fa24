"""The CLI for the neuromorphic targets: a network that does not fit Xylo is refused with
every violation on one line (exit 2), one that fits compiles and runs on SynSense's
XyloSim through ``simulate --backend xylosim`` and ``compare``, giving the emulator's
integers."""

import json

import numpy as np
import pytest

from snncompile.ir import CubaLIF, Graph, Input, Linear, Output
from snncompile.ir.serialize import save_graph


@pytest.fixture
def xylo_model(tmp_path):
    rng = np.random.default_rng(5)
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc1", Linear(weight=rng.normal(0.5, 0.4, (8, 3))))
    g.add("hid", CubaLIF(shape=(8,), syn_decay=0.6, decay=0.9, threshold=1.0, reset="subtract"))
    g.add("rec", Linear(weight=rng.normal(0, 0.3, (8, 8))))
    g.add("fc2", Linear(weight=rng.normal(0.4, 0.4, (2, 8))))
    g.add("out", CubaLIF(shape=(2,), syn_decay=0.6, decay=0.9, threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc1", "hid", "fc2", "out", "y")
    g.connect("hid", "rec")
    g.connect("rec", "hid", delay=1)
    path = tmp_path / "rnn.snnir"
    save_graph(g, path)
    return path


@pytest.fixture
def spikes(tmp_path):
    path = tmp_path / "spikes.npz"
    x = (np.random.default_rng(6).random((3, 40, 3)) < 0.4).astype(np.float32)
    np.savez(path, input=x, labels=np.array([0, 1, 0]))
    return path


def test_a_network_that_does_not_fit_is_refused_with_every_violation(run_cli, ir_model, tmp_path):
    code, out, err = run_cli("compile", ir_model, "--target", "xylo-audio2", "-o", tmp_path / "m.snnc")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    # the zero-reset LIF: rule, node, what it is, the limit and the way out
    assert "network does not fit xylo-audio2: 1 violation: " in err
    assert "reset mode at lif: zero (limit subtract; retrain with subtract reset)" in err
    assert not (tmp_path / "m.snnc").exists()


def test_xylo_artifact_runs_on_xylosim_as_on_the_emulator(run_cli, xylo_model, spikes, tmp_path):
    pytest.importorskip("xylosim")
    art = tmp_path / "rnn.snnc"
    code, text, err = run_cli("compile", xylo_model, "--target", "xylo-audio2", "-o", art)
    assert code == 0, err
    runs = {}
    for backend in ("emulator", "xylosim"):
        code, text, err = run_cli("simulate", art, "--input", spikes, "--backend", backend, "--json", "--no-progress")
        assert code == 0, err
        runs[backend] = json.loads(text)
    assert runs["xylosim"]["backend"] == "xylosim"
    assert runs["xylosim"]["accuracy"] == runs["emulator"]["accuracy"]
    code, text, err = run_cli("compare", art, "--input", spikes, "--backends", "emulator,xylosim", "--json")
    assert code == 0, err
    (pair,) = json.loads(text)["pairs"]
    assert [layer["layer"] for layer in pair["layers"]] == ["hid", "out"]
    for layer in pair["layers"]:
        assert layer["agreement"] == 1.0 and layer["spikes_a"] == layer["spikes_b"] > 0, layer


def test_estimate_of_a_xylo_artifact_maps_its_compiled_graph_onto_xylo(run_cli, xylo_model, tmp_path):
    art = tmp_path / "rnn.snnc"
    assert run_cli("compile", xylo_model, "--target", "xylo-audio2", "-o", art)[0] == 0
    code, out, err = run_cli("estimate", art, "--target", "xylo-audio2", "--steps", "30", "--no-progress", "--json")
    assert code == 0, err
    data = json.loads(out)
    mapping = data["mapping"]["xylo-audio2"]
    assert mapping["fits"] and mapping["violations"] == []
    assert {layer["layer"]: layer["kind"] for layer in mapping["layers"]} == {"hid": "FixedLIF", "out": "FixedLIF"}
    synapses = {s["name"]: s for s in data["metrics"]["synapses"]}
    assert set(synapses) == {"fc1", "rec", "fc2"} and synapses["rec"]["synaptic_events"] > 0
    (xylo,) = data["estimates"]
    assert xylo["cycles_per_step"] > 0 and xylo["energy_j"] > 0

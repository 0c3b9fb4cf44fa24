import json

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output, Reset, save_graph


def test_estimate_all_targets_side_by_side(run_cli, ir_model, input_file):
    code, out, err = run_cli("estimate", ir_model, "--input", input_file)
    assert code == 0, err
    for name in ("loihi", "truenorth", "xylo-audio2", "cortex-m4", "paper-45nm"):
        assert f"\n{name} " in out
    assert "Figures used" in out and "Davies et al." in out and "simulated" in out
    code, out, _ = run_cli("estimate", ir_model, "--input", input_file, "--target", "loihi,paper-45nm", "--json")
    data = json.loads(out)
    assert [(e["target"], e["model"]) for e in data["estimates"]] == [
        ("loihi", "chip"), ("paper-45nm", "paper"), ("paper-45nm", "memory-aware")]
    loihi = data["estimates"][0]
    assert loihi["figures"]["energy.synop_j"]["provenance"] == "simulated"
    assert data["metrics"]["totals"]["Effective_ACs"] > 0


def test_estimate_without_input_uses_stated_random_spikes(run_cli, ir_model):
    code, out, _ = run_cli("estimate", ir_model, "--target", "cortex-m4", "--steps", "20", "--json")
    data = json.loads(out)
    assert code == 0 and data["metrics"]["steps"] == 20
    assert "random Bernoulli spikes, rate 0.1" in data["input_note"]


def test_estimate_unknown_target_is_one_line(run_cli, ir_model):
    code, out, err = run_cli("estimate", ir_model, "--target", "nochip")
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown target 'nochip'" in err


def test_map_fits_and_reports_cores(run_cli, ir_model):
    code, out, _ = run_cli("map", ir_model, "--target", "loihi")
    assert code == 0 and "fits; 1 cores used" in out
    code, out, _ = run_cli("map", ir_model, "--target", "loihi", "--json")
    assert json.loads(out)["cores"][0]["neurons_limit"] == 1024


def test_map_lists_every_violation_and_exits_2(run_cli, tmp_path):
    g = Graph()
    g.add("x", Input(shape=(20,)))
    g.add("fc", Linear(weight=np.ones((1100, 20)), bias=np.ones(1100)))
    g.add("h", LIF(shape=(1100,), decay=0.9, reset=Reset.ZERO))
    g.add("fo", Linear(weight=np.ones((9, 1100))))
    g.add("o", LIF(shape=(9,), reset=Reset.SUBTRACT))
    g.add("y", Output(shape=(9,)))
    g.chain("x", "fc", "h", "fo", "o", "y")
    path = tmp_path / "big.snnir"
    save_graph(g, path)
    code, out, _ = run_cli("map", path, "--target", "xylo-audio2")
    assert code == 2
    # Xylo has a per-neuron bias (xylosim 0.1.3; targets/xylo-audio2.toml): the bias is no violation
    assert "does NOT fit: 4 violations" in out
    for rule in ("input channels", "hidden neurons", "output neurons", "reset mode"):
        assert rule in out
    code, out, _ = run_cli("map", path, "--target", "xylo-audio2", "--json")
    assert code == 2 and len(json.loads(out)["violations"]) == 4


def test_report_writes_one_html_file(run_cli, ir_model, input_file, tmp_path):
    html = tmp_path / "out" / "r.html"
    code, out, err = run_cli("report", ir_model, "--input", input_file, "--target", "loihi,cortex-m4", "-o", html)
    assert code == 0, err
    text = html.read_text()
    assert "Targets side by side" in text and "src='data:image/png;base64," in text and "Davies" in text
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["r.html"]  # no PNGs beside it, no temp files


def test_estimate_fixed_graph_on_the_emulator(run_cli, tmp_path):
    import pytest

    fixed = pytest.importorskip("snncompile.ir.fixed")
    b = fixed.FixedGraphBuilder((4,))
    b.linear(np.array([[50, 0, 20, 10], [0, 60, 0, 30]]), name="fc")
    b.lif(name="l", du=4095, dv=100, vth=10)
    b.output()
    path = tmp_path / "fixed.snnir"
    save_graph(b.graph, path)
    code, out, err = run_cli("estimate", path, "--backend", "emulator", "--target", "loihi",
                             "--steps", "30", "--rate", "0.5", "--json")
    assert code == 0, err
    data = json.loads(out)
    fc = data["metrics"]["synapses"][0]
    assert fc["kind"] == "FixedLinear" and fc["nonzero_weights"] == 5
    assert data["estimates"][0]["energy_by_term"]["synaptic ops"] > 0


def test_borrowed_figures_are_marked(run_cli, ir_model, input_file):
    code, out, _ = run_cli("estimate", ir_model, "--input", input_file, "--target", "loihi2",
                           "--borrow", "loihi2=loihi")
    assert code == 0
    line = next(x for x in out.splitlines() if "energy.synop_j" in x)
    assert "BORROWED from loihi: Davies" in line
    assert "BORROWED from loihi (not loihi2's own)" in out
    code, out, _ = run_cli("estimate", ir_model, "--input", input_file, "--target", "loihi2", "--json")
    assert json.loads(out)["estimates"][0]["energy_j"] is None  # without borrowing: unknown
    code, _, err = run_cli("estimate", ir_model, "--target", "loihi", "--borrow", "loihi2")
    assert code == 2 and "expected TARGET=DONOR" in err

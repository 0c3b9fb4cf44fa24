import json
import subprocess
import sys

import numpy as np

from snncompile.ir import Graph, Input, Linear, Output, save_graph


def test_inspect_table_and_json(run_cli, ir_model):
    code, out, _ = run_cli("inspect", ir_model)
    assert code == 0 and "LIF" in out and "reset=zero(immediate)" in out
    code, out, _ = run_cli("inspect", ir_model, "--json")
    data = json.loads(out)
    assert [n["kind"] for n in data["nodes"]] == ["Input", "Linear", "LIF", "Output"]


def test_simulate_writes_outputs_and_reports_accuracy(run_cli, ir_model, input_file, tmp_path):
    out_path = tmp_path / "out.npz"
    code, out, _ = run_cli("simulate", ir_model, "--input", input_file, "--record", "all", "-o", out_path, "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["outputs"]["y"]["shape"] == [4, 10, 2]
    # samples 0,1 see input and spike on both neurons (tie -> class 0); 2,3 are silent -> class 0
    assert summary["accuracy"] == 0.5
    with np.load(out_path) as data:
        assert data["output"].shape == (4, 10, 2)
        assert set(data.files) >= {"output", "spikes.lif", "spikes.fc"}
        assert data["spikes.lif"].sum() == summary["recorded"]["lif"]["spikes"] > 0


def one_line_error(run_cli, *argv):
    code, out, err = run_cli(*argv)
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_missing_file(run_cli, tmp_path, input_file):
    err = one_line_error(run_cli, "simulate", tmp_path / "nope.snnir", "--input", input_file)
    assert "nope.snnir: no such file" in err


def test_wrong_input_shape(run_cli, ir_model, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, input=np.zeros((2, 5, 4)))
    err = one_line_error(run_cli, "simulate", ir_model, "--input", bad)
    assert "node 'x' must be (batch, time, 3); found shape (2, 5, 4)" in err


def test_input_file_without_input_array(run_cli, ir_model, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, spikes=np.zeros((2, 5, 3)))
    err = one_line_error(run_cli, "simulate", ir_model, "--input", bad)
    assert "expected 'input'; found arrays ['spikes']" in err


def test_nan_weights_name_the_node(run_cli, tmp_path, input_file):
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), np.nan)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    path = tmp_path / "nan.snnir"
    save_graph(g, path)
    err = one_line_error(run_cli, "simulate", path, "--input", input_file)
    assert "node 'fc' (Linear): parameter 'weight' has non-finite values" in err


def test_corrupt_ir_file(run_cli, tmp_path, input_file):
    path = tmp_path / "corrupt.snnir"
    path.write_bytes(b"PK\x03\x04garbage")
    err = one_line_error(run_cli, "inspect", path)
    assert "corrupt.snnir" in err


def test_unknown_model_kind(run_cli, tmp_path):
    err = one_line_error(run_cli, "inspect", tmp_path / "model.h5")
    assert "unknown model kind" in err


def test_console_entry_point_exit_code(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "snncompile.cli.main", "inspect", str(tmp_path / "x.nir")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("snncompile inspect: error:") and "x.nir" in proc.stderr

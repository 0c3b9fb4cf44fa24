import json
from pathlib import Path

import numpy as np

from snncompile.compile import load_artifact

NIR_LIF = Path(__file__).parents[1] / "data/nir_paper/01_lif/lif_norse.nir"


def test_compile_writes_artifact_and_report(run_cli, ir_model, input_file, tmp_path):
    out = tmp_path / "m.snnc"
    code, text, err = run_cli("compile", ir_model, "--target", "loihi2", "-o", out, "--calibrate", input_file)
    assert code == 0, err
    assert "quantization for loihi2" in text and "lif" in text and f"wrote {out}" in text
    art = load_artifact(out)
    assert [n.kind for n in art.fixed.nodes.values()] == ["Input", "FixedLinear", "FixedLIF", "Output"]
    assert art.provenance["calibration"]["path"] == str(input_file)
    assert art.report.layers[0].spike_agreement is not None


def test_compile_json_and_paper_options(run_cli, tmp_path):
    out = tmp_path / "lif.snnc"
    code, text, err = run_cli("compile", NIR_LIF, "-o", out, "--scale", "16384", "--weight-exp", "0",
                              "--threshold-scale", "16383.875", "--rounding", "trunc", "--decay-unity", "4095",
                              "--json")
    assert code == 0, err
    result = json.loads(text)
    (layer,) = result["report"]["layers"]
    assert (layer["vth"], layer["du"], layer["dv"], layer["limited_by"]) == (25, 4095, 163, "option")
    assert result["provenance"]["options"]["scale"] == 16384
    assert load_artifact(out).fixed.nodes["0"].weight.tolist() == [[10]]


def test_compare_table_and_json(run_cli, ir_model, input_file, tmp_path):
    out = tmp_path / "m.snnc"
    assert run_cli("compile", ir_model, "-o", out)[0] == 0
    code, text, err = run_cli("compare", out, "--input", input_file, "--backends", "reference,emulator")
    assert code == 0, err
    assert "reference vs emulator" in text and "lag emulator" in text
    code, text, _ = run_cli("compare", out, "--input", input_file, "--json")
    result = json.loads(text)
    assert result["lags"]["emulator"]["lif"] == 1 and result["pairs"][0]["layers"][0]["layer"] == "lif"
    assert "accuracy" in result and set(result["accuracy"]) == {"reference", "emulator"}


def one_line_error(run_cli, *argv):
    code, out, err = run_cli(*argv)
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_bad_artifact_is_one_line(run_cli, input_file, tmp_path):
    bad = tmp_path / "bad.snnc"
    bad.write_bytes(b"\x00" * 10)
    err = one_line_error(run_cli, "compare", bad, "--input", input_file)
    assert str(bad) in err and "not a readable snncompile artifact" in err
    err = one_line_error(run_cli, "compare", input_file, "--input", input_file)
    assert "not an snncompile artifact" in err


def test_bad_options_are_one_line(run_cli, ir_model, tmp_path):
    err = one_line_error(run_cli, "compile", ir_model, "-o", tmp_path / "a.snnc", "--scale", "lif=abc")
    assert "--scale" in err
    err = one_line_error(run_cli, "compile", ir_model, "-o", tmp_path / "a.snnc", "--target", "speck")
    assert "no [fixed_point] table" in err
    err = one_line_error(run_cli, "compile", ir_model, "-o", tmp_path / "a.snnc", "--scale", "-3")
    assert "scale of every layer must be > 0" in err


def test_unsupported_model_names_the_node(run_cli, tmp_path):
    from snncompile.ir import LI, Graph, Input, Linear, Output, save_graph

    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((1, 2))))
    g.add("readout", LI(shape=(1,), decay=0.9))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc", "readout", "y")
    save_graph(g, tmp_path / "li.snnir")
    err = one_line_error(run_cli, "compile", tmp_path / "li.snnir", "-o", tmp_path / "a.snnc")
    assert "neuron 'readout' (LI) does not spike" in err

import json
from pathlib import Path

import numpy as np
import pytest

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
    assert set(result["accuracy_by_backend"]) == {"reference", "emulator"}


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
    err = one_line_error(run_cli, "compile", ir_model, "-o", tmp_path / "a.snnc", "--target", "paper-45nm")
    assert "no [fixed_point] table" in err
    err = one_line_error(run_cli, "compile", ir_model, "-o", tmp_path / "a.snnc", "--target", "speck")
    assert "network does not fit speck: 1 violation: neuron model at lif: LIF (limit if; " in err
    err = one_line_error(run_cli, "compile", ir_model, "-o", tmp_path / "a.snnc", "--scale", "-3")
    assert "--scale -3.0 for every layer: must be > 0" in err


def readout_model(tmp_path):
    """Linear -> LIF -> Linear -> LI: a spiking layer and a membrane readout."""
    from snncompile.ir import LI, LIF, Graph, Input, Linear, Output, save_graph

    rng = np.random.default_rng(3)
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc1", Linear(weight=rng.uniform(0.2, 0.9, (4, 3))))
    g.add("lif", LIF(shape=(4,), decay=0.9))
    g.add("fc2", Linear(weight=rng.uniform(-1.0, 1.0, (2, 4))))
    g.add("readout", LI(shape=(2,), decay=0.8))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc1", "lif", "fc2", "readout", "y")
    save_graph(g, tmp_path / "li.snnir")
    return tmp_path / "li.snnir"


def test_compile_and_compare_a_membrane_readout(run_cli, input_file, tmp_path):
    out = tmp_path / "a.snnc"
    code, text, err = run_cli("compile", readout_model(tmp_path), "-o", out)
    assert code == 0, err
    assert "membrane readout (LI)" in text
    readout = load_artifact(out).fixed.nodes["readout"]
    assert readout.kind == "FixedLIF" and readout.output == "v" and readout.scale > 0
    code, text, err = run_cli("compare", out, "--input", input_file, "--json", "--no-progress")
    assert code == 0, err
    result = json.loads(text)
    # values, not spikes: same class for every sample, and a small difference in float units
    assert result["output_agreement"] == {"reference vs emulator": 1.0}
    assert 0 < result["output_max_error"]["reference vs emulator"] < 0.05
    assert result["accuracy_by_backend"]["reference"] == result["accuracy_by_backend"]["emulator"]
    code, text, _ = run_cli("compare", out, "--input", input_file, "--no-progress")
    assert "output (values) reference vs emulator: same class 1.0000" in text
    # simulate reports the readout's scale and its sum in float units, and saves v / scale
    code, text, err = run_cli("simulate", out, "--input", input_file, "--json", "--no-progress",
                              "-o", tmp_path / "o.npz")
    assert code == 0, err
    y = json.loads(text)["outputs"]["y"]
    assert y["scale"] == readout.scale and y["float_sum"] == pytest.approx(y["sum"] / readout.scale)
    saved = np.load(tmp_path / "o.npz")
    assert np.allclose(saved["float.y"], saved["output"] / readout.scale)
    code, text, _ = run_cli("simulate", out, "--input", input_file, "--no-progress")
    assert "float_sum" in text and "argmax of summed output" in text
    code, text, err = run_cli("inspect", out)  # integer neurons show their integer fields
    assert code == 0, err
    assert f"output=v (membrane readout, float = v / {readout.scale:g})" in text and "reset=zero" in text


def test_readout_feeding_a_synapse_names_the_node(run_cli, tmp_path):
    from snncompile.ir import LI, LIF, Graph, Input, Linear, Output, save_graph

    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((1, 2))))
    g.add("readout", LI(shape=(1,), decay=0.9))
    g.add("fc2", Linear(weight=np.ones((1, 1))))
    g.add("lif", LIF(shape=(1,)))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc", "readout", "fc2", "lif", "y")
    save_graph(g, tmp_path / "li.snnir")
    err = one_line_error(run_cli, "compile", tmp_path / "li.snnir", "-o", tmp_path / "a.snnc", "--all-on-chip")
    assert "'readout' (LI): a membrane readout feeding 'fc2' (Linear)" in err and "feeds only outputs" in err
    # by default the readout and what hangs off it run on the host, the spiking layer on the chip
    code, text, err = run_cli("compile", tmp_path / "li.snnir", "-o", tmp_path / "a.snnc", "--json")
    assert code == 0, err
    partition = json.loads(text)["partition"]
    assert set(partition["host_nodes"]) == {"x", "fc", "readout", "fc2"}
    assert {"name": "lif", "kind": "FixedLIF"} in json.loads(text)["nodes"]


def test_compile_precision_and_timing_options(run_cli, input_file, tmp_path):
    from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph

    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.random.default_rng(0).normal(0.5, 0.3, (2, 3))))
    g.add("lif", LIF(shape=(2,), decay=0.9))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    ir_model = tmp_path / "random.snnir"
    save_graph(g, ir_model)
    out = tmp_path / "split.snnc"
    code, text, err = run_cli("compile", ir_model, "--calibrate", input_file, "-o", out, "--weight-split", "2",
                              "--bias-timing", "register", "--fire-on-gt", "--threshold-resolution", "4096",
                              "--retime-recurrences", "--json")
    assert code == 0, err
    options = json.loads(text)["provenance"]["options"]
    assert (options["weight_split"], options["bias_timing"], options["fire_on_gt"],
            options["threshold_resolution"], options["retime_recurrences"]) == (2, "register", True, 4096, True)
    fixed = load_artifact(out).fixed
    # the residual copy of fc reads the same input into the same neurons
    synapses = [n for n, node in fixed.items() if node.kind == "FixedLinear"]
    assert len(synapses) == 2 and {e.dst for n in synapses for e in fixed.outgoing(n)} == {"lif"}
    with pytest.raises(SystemExit) as exited:  # argparse refuses it with its usage line
        run_cli("compile", ir_model, "--calibrate", input_file, "-o", out, "--weight-split", "4")
    assert exited.value.code == 2
    code, text, err = run_cli("compile", ir_model, "--calibrate", input_file, "-o", out, "--weight-split", "3")
    assert code == 0, err
    assert {n for n, node in load_artifact(out).fixed.items() if node.kind == "FixedLinear"} == {"fc", "fc.lo", "fc.lo2"}


def test_compare_names_the_first_mismatch_writes_them_all_and_tolerates_k_steps(run_cli, ir_model, tmp_path):
    """A coarse scale makes the emulator diverge from the float reference: the first
    divergence's sample and neuron, the mismatch file and the +-k agreement agree with
    one another and with the exact agreement."""
    art, data, mism = tmp_path / "m.snnc", tmp_path / "r.npz", tmp_path / "mism.csv"
    np.savez(data, input=(np.random.default_rng(0).random((4, 30, 3)) < 0.5).astype(np.float32))
    assert run_cli("compile", ir_model, "-o", art, "--scale", "64")[0] == 0
    code, text, err = run_cli("compare", art, "--input", data, "--mismatches", mism, "--tolerance-steps", "1",
                              "--json", "--no-progress")
    assert code == 0, err
    result = json.loads(text)
    (pair,) = result["pairs"]
    (layer,) = pair["layers"]
    rows = [line.split(",") for line in mism.read_text().splitlines()]
    assert rows[0] == ["a", "b", "layer", "sample", "step", "neuron", "value_a", "value_b"]
    cells = 4 * 30 * 2
    assert len(rows) - 1 == round((1 - layer["agreement"]) * cells) == result["mismatches"] > 0
    first = min((int(r[4]), int(r[3]), int(r[5])) for r in rows[1:])
    assert (pair["first_step"], pair["first_sample"], pair["first_neuron"]) == first
    assert all(r[:3] == ["reference", "emulator", "lif"] and r[6] != r[7] for r in rows[1:])
    assert result["tolerance_steps"] == 1 and layer["agreement"] <= layer["agreement_within"] <= 1
    code, text, _ = run_cli("compare", art, "--input", data, "--no-progress")
    assert code == 0 and f"at step {first[0]}, sample {first[1]}, neuron {first[2]}" in text
    assert "agreement +-" not in text
    code, _, err = run_cli("compare", art, "--input", data, "--mismatches", tmp_path / "m.txt")
    assert code == 2 and ".csv or .npz" in err

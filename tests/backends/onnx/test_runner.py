"""run_onnx: hand-computed traces, files, the "onnx" backend, the CLI, bad input."""

from __future__ import annotations

import json
import sys

import numpy as np
import onnx
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx, write_onnx
from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import (
    IF,
    Comparator,
    Graph,
    Input,
    Linear,
    Output,
    Reset,
    ResetTiming,
    save_graph,
)
from snncompile.simulate import get_backend, simulate

pytest.importorskip("onnxruntime")


def _if_neuron(timing: ResetTiming, comparator: Comparator = Comparator.GT) -> Graph:
    g = Graph()
    g.add("x", Input(shape=(1,)))
    g.add("n", IF(shape=(1,), threshold=1.0, reset=Reset.SUBTRACT, reset_timing=timing, comparator=comparator))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "n", "y")
    return g


# Input 0.75 every step, threshold 1, subtract reset, worked out by hand.
#   IMMEDIATE: v = .75, 1.5-1, 1.25-1, 1.0 (no spike: 1.0 > 1 is false), 1.75-1, ...
#   DELAYED:   the recorded v is pre-reset, the subtraction lands in the next step.
HAND = {
    ResetTiming.IMMEDIATE: ([0, 1, 1, 0, 1, 1, 1, 0], [0.75, 0.5, 0.25, 1.0, 0.75, 0.5, 0.25, 1.0]),
    ResetTiming.DELAYED: ([0, 1, 1, 0, 1, 1, 1, 0], [0.75, 1.5, 1.25, 1.0, 1.75, 1.5, 1.25, 1.0]),
}


@pytest.mark.parametrize("timing", list(ResetTiming), ids=lambda t: t.name)
def test_hand_computed_subtract_reset_trace(timing):
    x = np.full((1, 8, 1), 0.75, dtype=np.float32)
    result = run_onnx(to_onnx(_if_neuron(timing)), x, membranes="all")
    spikes, v = HAND[timing]
    assert result.output()[0, :, 0].tolist() == spikes
    assert result.membranes["n"][0, :, 0].tolist() == v
    assert result.backend == "onnx"


def test_ge_fires_on_the_exact_tie_at_step_three():
    x = np.full((1, 8, 1), 0.75, dtype=np.float32)
    result = run_onnx(to_onnx(_if_neuron(ResetTiming.IMMEDIATE, Comparator.GE)), x)
    assert result.output()[0, :4, 0].tolist() == [0, 1, 1, 1]


def test_runs_from_a_file_and_pads_extra_steps_with_zero_input(tmp_path):
    g = _if_neuron(ResetTiming.IMMEDIATE)
    write_onnx(g, tmp_path / "n.onnx")
    x = np.random.default_rng(0).uniform(0, 1, (4, 6, 1)).astype(np.float32)
    got = run_onnx(tmp_path / "n.onnx", {"x": x}, steps=10, membranes=["n"])
    ref = simulate(g, x, steps=10, membranes="all", dtype=torch.float32)
    assert got.outputs["y"].shape == (4, 10, 1) and got.batch == 4 and got.steps == 10
    np.testing.assert_array_equal(got.outputs["y"], ref.outputs["y"])
    np.testing.assert_allclose(got.membranes["n"], ref.membranes["n"], atol=1e-6)
    assert got.dt == g.dt


def test_onnx_backend_is_registered_and_records_like_the_reference():
    g = _if_neuron(ResetTiming.DELAYED)
    x = np.random.default_rng(1).uniform(0, 1, (2, 12, 1))
    got = get_backend("onnx")(g, x, record="all", membranes="neurons")
    ref = simulate(g, x, record="all", membranes="neurons", dtype=torch.float32)
    assert set(got.recorded) == set(ref.recorded) == {"n", "y"}
    np.testing.assert_array_equal(got.recorded["n"], ref.recorded["n"])
    np.testing.assert_allclose(got.membranes["n"], ref.membranes["n"], atol=1e-6)


def test_cli_exports_and_simulates_with_the_onnx_backend(tmp_path, capsys):
    from snncompile.cli.main import main

    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.random.default_rng(2).normal(0, 1, (2, 3))))
    g.add("n", IF(shape=(2,), threshold=0.5))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "y")
    save_graph(g, tmp_path / "m.snnir")
    x = (np.random.default_rng(3).random((2, 9, 3)) < 0.5).astype(np.float32)
    np.savez(tmp_path / "x.npz", input=x)
    assert main(["export", str(tmp_path / "m.snnir"), "--to", "onnx", "-o", str(tmp_path / "m.onnx")]) == 0
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)
    capsys.readouterr()
    assert main(["simulate", str(tmp_path / "m.snnir"), "--input", str(tmp_path / "x.npz"),
                 "--backend", "onnx", "--json", "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    want = simulate(g, x, dtype=torch.float32).output()
    assert summary["backend"] == "onnx" and summary["outputs"]["y"]["spikes"] == int(want.sum()) > 0
    seq = tmp_path / "m_seq.onnx"
    assert main(["export", str(tmp_path / "m.snnir"), "--to", "onnx-sequence", "-o", str(seq)]) == 0
    np.testing.assert_array_equal(run_onnx(seq, x).output(), want)


@pytest.mark.parametrize(
    "inputs,message",
    [
        ({"z": np.zeros((1, 3, 1))}, r"no data for input\(s\) \['x'\]"),
        ({"x": np.zeros((1, 3, 2))}, r"input 'x': expected shape \(batch, time, 1\), found \(1, 3, 2\)"),
        ({"x": np.full((1, 3, 1), np.nan)}, "input 'x' contains NaN or inf"),
    ],
)
def test_bad_inputs_are_one_line_errors(inputs, message):
    with pytest.raises(InputError, match=message):
        run_onnx(to_onnx(_if_neuron(ResetTiming.IMMEDIATE)), inputs)


def test_zero_steps_is_an_input_error():
    with pytest.raises(InputError, match="steps must be >= 1, found 0"):
        run_onnx(to_onnx(_if_neuron(ResetTiming.IMMEDIATE)), np.zeros((1, 2, 1)), steps=0)


def test_unknown_membrane_is_an_input_error():
    with pytest.raises(InputError, match=r"no membrane state for \['y'\]; neurons are \['n'\]"):
        run_onnx(to_onnx(_if_neuron(ResetTiming.IMMEDIATE)), np.zeros((1, 2, 1)), membranes=["y"])


def test_files_that_are_not_snncompile_models_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        run_onnx(tmp_path / "missing.onnx", np.zeros((1, 2, 1)))
    (tmp_path / "junk.onnx").write_bytes(b"\x00not a protobuf\xff" * 8)
    with pytest.raises(InputError, match="junk.onnx: not a readable ONNX file"):
        run_onnx(tmp_path / "junk.onnx", np.zeros((1, 2, 1)))
    plain = onnx.helper.make_model(onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["a"], ["b"])], "g",
        [onnx.helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, [1])]))
    onnx.save(plain, str(tmp_path / "plain.onnx"))
    with pytest.raises(InputError, match="not an snncompile step model"):
        run_onnx(tmp_path / "plain.onnx", np.zeros((1, 2, 1)))


def test_without_onnxruntime_the_export_works_and_running_says_what_to_install(monkeypatch):
    model = to_onnx(_if_neuron(ResetTiming.IMMEDIATE))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(UnsupportedError, match="running ONNX models needs onnxruntime: pip install onnxruntime"):
        run_onnx(model, np.zeros((1, 2, 1)))


def test_one_model_serves_any_batch_size_and_samples_stay_independent():
    model = to_onnx(_if_neuron(ResetTiming.DELAYED))
    x = np.random.default_rng(4).uniform(0, 1, (5, 10, 1)).astype(np.float32)
    together = run_onnx(model, x, membranes="all")
    for k in (0, 3):
        alone = run_onnx(model, x[k : k + 1], membranes="all")
        np.testing.assert_array_equal(alone.output()[0], together.output()[k])
        np.testing.assert_array_equal(alone.membranes["n"][0], together.membranes["n"][k])
    assert 0 < together.output().sum() < together.output().size


def test_models_with_external_data_are_refused(tmp_path):
    model = to_onnx(_if_neuron(ResetTiming.IMMEDIATE))
    onnx.save(model, str(tmp_path / "ext.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
              location="weights.bin", size_threshold=0)
    with pytest.raises(InputError, match=r"ext.onnx: tensors \['n/threshold'\] are stored in external files"):
        run_onnx(tmp_path / "ext.onnx", np.zeros((1, 2, 1)))

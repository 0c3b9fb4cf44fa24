"""The sequence form: the step model scanned over time computes exactly what the step
model computes step by step, streams in chunks, and runs through run_onnx."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx, to_onnx_sequence, write_onnx
from snncompile.errors import InputError
from snncompile.ir import LIF, CubaLIF, Delay, Graph, Input, Linear, Output, Reset, ResetTiming
from snncompile.simulate import simulate

ort = pytest.importorskip("onnxruntime")


def _graph() -> Graph:
    """Two inputs, recurrence, a delayed edge, a Delay node, delayed and immediate resets."""
    rng = np.random.default_rng(30)
    g = Graph(dt=1e-3)
    g.add("a", Input(shape=(4,)))
    g.add("b", Input(shape=(4,)))
    g.add("fc", Linear(weight=rng.normal(0, 0.8, (6, 4))))
    g.add("cuba", CubaLIF(shape=(6,), syn_decay=0.7, decay=0.9, reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED))
    g.add("rec", Linear(weight=rng.normal(0, 0.4, (6, 6))))
    g.add("late", Delay(delay=np.array([0, 1, 2, 3, 1, 2])))
    g.add("out_w", Linear(weight=rng.normal(0, 0.8, (3, 6)), bias=np.full(3, 0.1)))
    g.add("lif", LIF(shape=(3,), decay=0.8, threshold=0.7))
    g.add("y", Output(shape=(3,)))
    g.add("z", Output(shape=(6,)))
    g.chain("a", "fc", "cuba", "late", "out_w", "lif", "y")
    g.connect("b", "fc", delay=2)
    g.chain("cuba", "rec")
    g.connect("rec", "cuba", delay=1)
    g.connect("cuba", "z")
    return g


def _inputs(batch: int, steps: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(31)
    return {n: (rng.random((batch, steps, 4)) < 0.5).astype(np.float32) for n in ("a", "b")}


def _zeros(session, batch: int) -> dict[str, np.ndarray]:
    return {i.name: np.zeros([batch, *i.shape[1:]], np.float32) for i in session.get_inputs() if i.name.startswith("state.")}


def test_interface_is_the_step_models_with_a_time_axis():
    step, seq = to_onnx(_graph()), to_onnx_sequence(_graph())
    onnx.checker.check_model(seq, full_check=True)

    def dims(values):
        return {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in values}

    step_in, seq_in = dims(step.graph.input), dims(seq.graph.input)
    assert list(seq_in) == list(step_in)
    assert seq_in["a"] == ["batch", "time", 4] and seq_in["state.cuba.v"] == step_in["state.cuba.v"]
    assert list(dims(seq.graph.output)) == list(dims(step.graph.output))
    props = {p.key: p.value for p in seq.metadata_props}
    assert props["snncompile.form"] == "sequence" and json.loads(props["snncompile.outputs"]) == ["y", "z"]
    assert seq.doc_string.startswith("Sequence form") and "state.late.buffer" in seq.doc_string


def test_sequence_equals_step_by_step_and_the_reference():
    graph, x = _graph(), _inputs(3, 25)
    seq = run_onnx(to_onnx_sequence(graph, record=["cuba"]), x, steps=30)
    step = run_onnx(to_onnx(graph, record=["cuba"]), x, steps=30)
    ref = simulate(graph, x, steps=30, record=["cuba"], dtype=torch.float32)
    for name in ("y", "z"):
        np.testing.assert_array_equal(seq.outputs[name], step.outputs[name])
        np.testing.assert_allclose(seq.outputs[name], ref.outputs[name], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(seq.recorded["cuba"], ref.recorded["cuba"])
    assert seq.outputs["y"].shape == (3, 30, 3) and 0 < ref.recorded["cuba"].sum()


def test_streaming_in_chunks_carries_the_state(tmp_path):
    graph, x = _graph(), _inputs(2, 24)
    write_onnx(graph, tmp_path / "seq.onnx", sequence=True)
    session = ort.InferenceSession(str(tmp_path / "seq.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    whole = dict(zip(names, session.run(None, {**x, **_zeros(session, 2)})))
    state, ys = _zeros(session, 2), []
    for start, stop in ((0, 7), (7, 16), (16, 24)):  # uneven chunks
        chunk = {n: v[:, start:stop] for n, v in x.items()}
        out = dict(zip(names, session.run(None, {**chunk, **state})))
        ys.append(out["y"])
        state = {n: out[n + ".next"] for n in state}
    np.testing.assert_array_equal(np.concatenate(ys, axis=1), whole["y"])
    for name in state:
        np.testing.assert_array_equal(state[name], whole[name + ".next"])


def test_sequence_models_have_no_per_step_membranes():
    with pytest.raises(InputError, match="a sequence model returns only the final state"):
        run_onnx(to_onnx_sequence(_graph()), _inputs(1, 3), membranes="all")

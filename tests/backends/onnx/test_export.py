"""The exported model's interface: names, shapes, dtype, metadata, docs, files, errors."""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
import pytest

import snncompile
from snncompile.backends.onnx import to_onnx, write_onnx
from snncompile.errors import GraphError, InputError, UnsupportedError
from snncompile.ir import (
    LIF,
    CubaLIF,
    Delay,
    Graph,
    Input,
    Linear,
    Output,
    Reset,
    ResetTiming,
)


def _recurrent() -> Graph:
    """Input -> Linear -> CubaLIF (delayed subtract reset, recurrent) -> Delay -> Output."""
    g = Graph(dt=2e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.eye(4, 3)))
    g.add("cuba", CubaLIF(shape=(4,), reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED))
    g.add("rec", Linear(weight=np.eye(4) * 0.5))
    g.add("late", Delay(delay=np.array([1, 2, 3, 0])))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "cuba", "late", "y")
    g.connect("cuba", "rec")
    g.connect("rec", "cuba", delay=2)
    return g


def _shape(value_info) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_model_passes_the_full_onnx_check():
    onnx.checker.check_model(to_onnx(_recurrent()), full_check=True)


def test_inputs_outputs_and_state_are_named_predictably():
    model = to_onnx(_recurrent())
    ins = {vi.name: _shape(vi) for vi in model.graph.input}
    outs = {vi.name: _shape(vi) for vi in model.graph.output}
    assert ins == {
        "x": ["batch", 3],
        "state.rec.fifo": ["batch", 2, 4],
        "state.cuba.v": ["batch", 4],
        "state.cuba.s": ["batch", 4],
        "state.cuba.i": ["batch", 4],
        "state.late.buffer": ["batch", 3, 4],
    }
    assert list(outs) == ["y"] + [n + ".next" for n in list(ins)[1:]]
    assert all(shape == ins[name[: -len(".next")]] for name, shape in outs.items() if name != "y")
    for vi in [*model.graph.input, *model.graph.output]:
        assert vi.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert all(t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.INT64) for t in model.graph.initializer)


def test_state_depends_on_what_the_neuron_needs():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("imm", LIF(shape=(2,), reset=Reset.ZERO))
    g.add("no_reset", LIF(shape=(2,), reset=Reset.NONE, reset_timing=ResetTiming.DELAYED))
    g.add("delayed", LIF(shape=(2,), reset=Reset.ZERO, reset_timing=ResetTiming.DELAYED))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "imm", "no_reset", "delayed", "y")
    names = [vi.name for vi in to_onnx(g).graph.input]
    assert names == ["x", "state.imm.v", "state.no_reset.v", "state.delayed.v", "state.delayed.s"]


def test_metadata_holds_dt_version_and_state_layout():
    model = to_onnx(_recurrent())
    props = {p.key: p.value for p in model.metadata_props}
    assert float(props["snncompile.dt"]) == 2e-3
    assert props["snncompile.version"] == snncompile.__version__ == model.producer_version
    state = json.loads(props["snncompile.state"])
    assert [(s["node"], s["field"], s["shape"]) for s in state] == [
        ("rec", "fifo", [2, 4]), ("cuba", "v", [4]), ("cuba", "s", [4]), ("cuba", "i", [4]),
        ("late", "buffer", [3, 4]),
    ]
    assert json.loads(props["snncompile.inputs"]) == ["x"]
    assert json.loads(props["snncompile.outputs"]) == ["y"]
    assert model.opset_import[0].version == 17
    assert model.ir_version == 8  # the oldest IR version that carries opset 17


def test_doc_strings_state_the_step_semantics_and_each_slot():
    model = to_onnx(_recurrent())
    assert "One time step" in model.doc_string and "dt = 0.002 s" in model.doc_string
    assert "state.late.buffer [3, 4]" in model.doc_string
    docs = {vi.name: vi.doc_string for vi in model.graph.input}
    assert "previous step" in docs["state.cuba.s"] and "synaptic current" in docs["state.cuba.i"]


def test_record_exposes_intermediate_values():
    model = to_onnx(_recurrent(), record=["cuba", "x"])
    outs = [vi.name for vi in model.graph.output]
    assert outs[:3] == ["y", "record.cuba", "record.x"]
    everything = [vi.name for vi in to_onnx(_recurrent(), record="all").graph.output]
    assert everything[:6] == ["y"] + [f"record.{n}" for n in ("fc", "cuba", "rec", "late", "y")]
    assert [vi.name for vi in to_onnx(_recurrent(), record="neurons").graph.output][:2] == ["y", "record.cuba"]


def test_stateless_graph_has_no_state():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.ones((2, 3))))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    model = to_onnx(g)
    assert [vi.name for vi in model.graph.input] == ["x"]
    assert "stateless" in model.doc_string


def test_write_onnx_is_atomic_and_loads_back(tmp_path):
    path = tmp_path / "sub" / "net.onnx"
    written = write_onnx(_recurrent(), path)
    assert os.listdir(path.parent) == ["net.onnx"]
    assert onnx.load(str(path)).SerializeToString() == written.SerializeToString()


def test_write_onnx_leaves_nothing_when_export_fails(tmp_path):
    bad = _recurrent()
    bad.connect("y", "x")
    with pytest.raises(GraphError):
        write_onnx(bad, tmp_path / "bad.onnx")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("opset", [12, 99])
def test_unsupported_opset_is_refused(opset):
    with pytest.raises(UnsupportedError, match=f"ONNX opset {opset} not supported: choose 13.."):
        to_onnx(_recurrent(), opset=opset)


def test_recording_an_unknown_node_is_an_input_error():
    with pytest.raises(InputError, match=r"cannot record unknown nodes \['nope'\]"):
        to_onnx(_recurrent(), record=["nope"])


def test_io_names_that_clash_with_state_names_are_refused():
    g = Graph()
    g.add("state.x", Input(shape=(1,)))
    g.add("y", Output(shape=(1,)))
    g.chain("state.x", "y")
    with pytest.raises(UnsupportedError, match="clash"):
        to_onnx(g)

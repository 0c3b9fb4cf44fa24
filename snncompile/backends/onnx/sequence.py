"""The step model scanned over time: ``(x[:, 0:T], state) -> (y[:, 0:T], state after T)``.

Same inputs and outputs as the step model (:mod:`snncompile.backends.onnx.export`) with a
time axis after the batch on the data: Inputs ``(batch, time, *shape)``, Outputs and
``record.`` values ``(batch, time, *shape)``; the state slots keep their names and
shapes and hold the state before the first and after the last step. The body of the
ONNX ``Scan`` is the step model itself, so both forms compute the same numbers; the
sequence form runs the time loop inside the runtime (one call per sequence, or per chunk
of a stream: feed a chunk's final state as the next chunk's state).
"""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper

from snncompile.backends.onnx.export import DEFAULT_OPSET, MAX_BYTES, to_onnx
from snncompile.ir import Graph
from snncompile.simulate.backend import Record

#: Prefix of the step body's own input and output names (they may not shadow the outer ones).
BODY = "step/"
TIME = "time"

SEQUENCE_NOTE = """\
Sequence form: the step below is applied for t = 0..T-1 by an ONNX Scan over the time axis
of every Input (batch, time, *shape); Outputs and 'record.' values are (batch, time, *shape); the state
inputs are the state before step 0 (zeros to start) and the '.next' outputs the state after
step T-1.
"""


def to_onnx_sequence(graph: Graph, opset: int = DEFAULT_OPSET, record: Record = None) -> onnx.ModelProto:
    """The sequence form of :func:`~snncompile.backends.onnx.to_onnx` (see module docstring)."""
    step = to_onnx(graph, opset=opset, record=record)
    body = onnx.GraphProto()
    body.CopyFrom(step.graph)
    n_data_in = len(graph.inputs)
    n_state = len(body.input) - n_data_in
    data_in, state_in = list(body.input)[:n_data_in], list(body.input)[n_data_in:]
    n_data_out = len(body.output) - n_state
    data_out, state_out = list(body.output)[:n_data_out], list(body.output)[n_data_out:]
    outer_in = [_copy(v) for v in state_in] + [_with_time(v) for v in data_in]
    outer_out = [_copy(v) for v in state_out] + [_with_time(v) for v in data_out]
    _rename(body, {v.name: BODY + v.name for v in [*data_in, *state_in, *data_out, *state_out]})
    ordered_in = list(body.input)[n_data_in:] + list(body.input)[:n_data_in]
    ordered_out = list(body.output)[n_data_out:] + list(body.output)[:n_data_out]
    del body.input[:], body.output[:]
    body.input.extend(ordered_in)
    body.output.extend(ordered_out)
    body.name = "snncompile_step_body"
    # Scan runs over axis 0 (time-major): transposing around it keeps the public tensors
    # batch-first and avoids scan_input_axes, which some runtimes do not implement.
    to_time_major = [_swap01(v.name, f"{BODY}{v.name}/time_major_in", v) for v in outer_in[n_state:]]
    from_time_major = [_swap01(f"{BODY}{v.name}/time_major_out", v.name, v) for v in outer_out[n_state:]]
    scan = helper.make_node(
        "Scan",
        [v.name for v in outer_in[:n_state]] + [n.output[0] for n in to_time_major],
        [v.name for v in outer_out[:n_state]] + [n.input[0] for n in from_time_major],
        name="time_loop", body=body, num_scan_inputs=n_data_in,
    )
    # keep the public order: data first, then state (as in the step model)
    inputs = outer_in[n_state:] + outer_in[:n_state]
    outputs = outer_out[n_state:] + outer_out[:n_state]
    model = helper.make_model(
        helper.make_graph([*to_time_major, scan, *from_time_major], "snncompile_sequence", inputs, outputs),
        opset_imports=list(step.opset_import),
        producer_name=step.producer_name,
        producer_version=step.producer_version,
        doc_string=SEQUENCE_NOTE + step.doc_string,
        ir_version=step.ir_version,
    )
    props = {p.key: p.value for p in step.metadata_props}
    helper.set_model_props(model, {**props, "snncompile.form": "sequence"})
    if model.ByteSize() <= MAX_BYTES:
        onnx.checker.check_model(model)
    return model


def _swap01(src: str, dst: str, value: onnx.ValueInfoProto) -> onnx.NodeProto:
    """Transpose the batch and time axes of a (batch, time, *shape) or (time, batch, *shape) value."""
    rank = len(value.type.tensor_type.shape.dim)
    return helper.make_node("Transpose", [src], [dst], name=f"{dst}#op", perm=[1, 0, *range(2, rank)])


def _copy(value: onnx.ValueInfoProto) -> onnx.ValueInfoProto:
    out = onnx.ValueInfoProto()
    out.CopyFrom(value)
    return out


def _with_time(value: onnx.ValueInfoProto) -> onnx.ValueInfoProto:
    """``(batch, *shape)`` -> ``(batch, time, *shape)``."""
    dims = value.type.tensor_type.shape.dim
    shape = [dims[0].dim_param or dims[0].dim_value, TIME] + [d.dim_value for d in dims[1:]]
    return helper.make_tensor_value_info(value.name, TensorProto.FLOAT, shape, doc_string=value.doc_string)


def _rename(graph: onnx.GraphProto, mapping: dict[str, str]) -> None:
    for node in graph.node:
        for seq in (node.input, node.output):
            for k, name in enumerate(seq):
                seq[k] = mapping.get(name, name)
    for value in [*graph.input, *graph.output]:
        value.name = mapping.get(value.name, value.name)

"""Drive an exported step model with ONNX Runtime for T steps (initial state zeros).

``onnxruntime`` is an optional dependency: it is imported when a model is run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import onnx

from snncompile.backends.onnx.emitters import EMITTERS, NOT_EXPORTED
from snncompile.backends.onnx.export import RECORD_PREFIX, to_onnx
from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import Graph, Input, Node
from snncompile.simulate.backend import Backend, GraphKind, Record, RunInputs, register_backend
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.result import SimResult


def load_step_model(path_or_model: str | os.PathLike | onnx.ModelProto) -> onnx.ModelProto:
    """An snncompile ONNX model from a file or a ModelProto; InputError if it is not one."""
    if isinstance(path_or_model, onnx.ModelProto):
        model, where = path_or_model, "ONNX model"
    else:
        where = str(path_or_model)
        try:
            # never follow external-data paths of a file we did not write
            model = onnx.load(where, load_external_data=False)
        except FileNotFoundError:
            raise InputError(f"{where}: no such file") from None
        except Exception as exc:  # protobuf raises its own DecodeError
            raise InputError(f"{where}: not a readable ONNX file ({type(exc).__name__}: {exc})") from None
    props = {p.key: p.value for p in model.metadata_props}
    if "snncompile.state" not in props:
        raise InputError(f"{where}: not an snncompile step model (no 'snncompile.state' metadata); export it with write_onnx")
    external = [t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise InputError(f"{where}: tensors {external[:3]} are stored in external files; snncompile step models are self-contained")
    return model


def run_onnx(
    path_or_model: str | os.PathLike | onnx.ModelProto,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    membranes: Record = None,
    progress: bool = False,
) -> SimResult:
    """Run a step model for ``steps`` steps (default: the input length; extra steps get
    zero input) on ``inputs`` (one (batch, time, *shape) array per graph input; a bare
    array for a single input). ``membranes``: ``"all"``/``"neurons"`` or names of neurons
    whose ``v`` state to return. Exposed ``record.<node>`` outputs become ``recorded``.
    A sequence model (:func:`to_onnx_sequence`) runs in one call (no membranes)."""
    model = load_step_model(path_or_model)
    props = {p.key: p.value for p in model.metadata_props}
    slots = json.loads(props["snncompile.state"])
    input_names = json.loads(props["snncompile.inputs"])
    output_names = json.loads(props["snncompile.outputs"])
    recorded_names = json.loads(props.get("snncompile.record", "[]"))
    sequence = props.get("snncompile.form") == "sequence"
    leading = 2 if sequence else 1  # (batch, time, ...) or (batch, ...)
    shapes = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim[leading:]] for vi in model.graph.input}
    data = _check_inputs(inputs, input_names, shapes)
    length = next(iter(data.values())).shape[1]
    batch = next(iter(data.values())).shape[0]
    steps = length if steps is None else int(steps)
    if steps < 1:
        raise InputError(f"steps must be >= 1, found {steps}")
    v_next = {s["node"]: s["next"] for s in slots if s["field"] == "v"}
    v_nodes = _membrane_nodes(membranes, list(v_next))
    session = _session(model)
    state = {s["name"]: np.zeros((batch, *s["shape"]), dtype=np.float32) for s in slots}
    if sequence:
        if v_nodes:
            raise InputError("a sequence model returns only the final state; use the step model (to_onnx) for membranes")
        fetch = output_names + [RECORD_PREFIX + n for n in recorded_names]
        feed = {n: _fit_length(x, steps) for n, x in data.items()}
        values = dict(zip(fetch, session.run(fetch, {**feed, **state})))
        return SimResult(
            outputs={n: values[n] for n in output_names},
            recorded={n: values[RECORD_PREFIX + n] for n in recorded_names},
            dt=float(props.get("snncompile.dt", "0")),
            backend="onnx",
        )
    kept = output_names + [RECORD_PREFIX + n for n in recorded_names] + [v_next[n] for n in v_nodes]
    fetch = list(dict.fromkeys(kept + [s["next"] for s in slots]))
    series: dict[str, list[np.ndarray]] = {n: [] for n in kept}
    for t in steps_with_progress(steps, progress, "onnx"):
        feed = {n: (x[:, t] if t < length else np.zeros_like(x[:, 0])) for n, x in data.items()}
        values = dict(zip(fetch, session.run(fetch, {**feed, **state})))
        state = {s["name"]: values[s["next"]] for s in slots}
        for n in kept:
            series[n].append(values[n])

    def stack(name: str) -> np.ndarray:
        return np.stack(series[name], axis=1)

    return SimResult(
        outputs={n: stack(n) for n in output_names},
        recorded={n: stack(RECORD_PREFIX + n) for n in recorded_names},
        membranes={n: stack(v_next[n]) for n in v_nodes},
        dt=float(props.get("snncompile.dt", "0")),
        backend="onnx",
    )


class OnnxBackend(Backend):
    name = "onnx"
    runs = GraphKind.FLOAT
    description = "the graph exported as an ONNX step model, run in ONNX Runtime (float32)"

    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        if type(node) in EMITTERS or isinstance(node, Input):
            return None
        if type(node) in NOT_EXPORTED:
            return NOT_EXPORTED[type(node)]
        return "no ONNX emitter for this kind (ONNX exports float graphs)"

    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, **_: Any) -> SimResult:
        """Export ``graph`` (recording what is asked) and run it in ONNX Runtime, float32
        (a ``dtype`` meant for the reference is ignored)."""
        return run_onnx(to_onnx(graph, record=record), inputs.arrays, steps, membranes=membranes, progress=progress)


ONNX = register_backend(OnnxBackend())


def simulate_onnx(
    graph: Graph,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    record: Record = None,
    membranes: Record = None,
    progress: bool = False,
    **_ignored: Any,
) -> SimResult:
    """The ``"onnx"`` backend as a function (see :class:`OnnxBackend`)."""
    return ONNX.run(graph, inputs, steps=steps, record=record, membranes=membranes, progress=progress)


def _check_inputs(inputs, names: list[str], shapes: dict[str, list[int]]) -> dict[str, np.ndarray]:
    if not isinstance(inputs, Mapping):
        if len(names) != 1:
            raise InputError(f"model has inputs {names}: pass a dict of arrays")
        inputs = {names[0]: inputs}
    missing = [n for n in names if n not in inputs]
    if missing:
        raise InputError(f"no data for input(s) {missing}; inputs given: {list(inputs)}")
    data = {}
    for n in names:
        array = np.asarray(inputs[n], dtype=np.float32)
        if array.ndim != len(shapes[n]) + 2 or list(array.shape[2:]) != shapes[n]:
            raise InputError(f"input '{n}': expected shape (batch, time, {', '.join(map(str, shapes[n]))}), found {tuple(array.shape)}")
        if not np.all(np.isfinite(array)):
            raise InputError(f"input '{n}' contains NaN or inf")
        data[n] = array
    if len({a.shape[:2] for a in data.values()}) > 1:
        raise InputError(f"inputs disagree on batch or time length: {[a.shape for a in data.values()]}")
    return data


def _fit_length(x: np.ndarray, steps: int) -> np.ndarray:
    """The first ``steps`` steps of ``x`` (batch, time, ...), padded with zero input."""
    if steps <= x.shape[1]:
        return np.ascontiguousarray(x[:, :steps])
    pad = np.zeros((x.shape[0], steps - x.shape[1], *x.shape[2:]), dtype=x.dtype)
    return np.concatenate([x, pad], axis=1)


def _membrane_nodes(membranes: Record, have: list[str]) -> list[str]:
    """The neurons whose membranes are asked for, among ``have`` (those with a v slot)."""
    if membranes is None:
        return []
    if membranes in ("all", "neurons"):
        return have
    names = [membranes] if isinstance(membranes, str) else list(membranes)
    unknown = [n for n in names if n not in have]
    if unknown:
        raise InputError(f"no membrane state for {unknown}; neurons are {have}")
    return names


def _session(model: onnx.ModelProto):
    try:
        import onnxruntime as ort
    except ImportError:
        raise UnsupportedError("running ONNX models needs onnxruntime: pip install onnxruntime") from None
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])

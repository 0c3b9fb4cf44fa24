"""ONNX export: a graph as a single-step function ``(x_t, state) -> (y_t, state')``.

- :func:`to_onnx` / :func:`write_onnx` build the model (see ``docs/onnx.md``);
  :func:`to_onnx_sequence` the same step scanned over a time axis (one call per sequence);
- :func:`run_onnx` drives a model in ONNX Runtime for T steps and returns a SimResult;
- importing this package registers the ``"onnx"`` backend in
  :data:`snncompile.simulate.BACKENDS` (export, then run in ONNX Runtime).
"""

from snncompile.backends.onnx.export import DEFAULT_OPSET, to_onnx, write_onnx, write_onnx_sequence
from snncompile.backends.onnx.runner import (
    ONNX,
    OnnxBackend,
    load_step_model,
    run_onnx,
    simulate_onnx,
)
from snncompile.backends.onnx.sequence import to_onnx_sequence
from snncompile.backends.onnx.state import StateSlot

__all__ = [
    "ONNX", "OnnxBackend", "DEFAULT_OPSET", "StateSlot", "load_step_model", "run_onnx", "simulate_onnx", "to_onnx",
    "to_onnx_sequence", "write_onnx", "write_onnx_sequence",
]

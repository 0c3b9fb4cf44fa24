"""Host operations: float nodes no neuromorphic core computes (stage ``HOST``).

Attention products, norms, smooth activations, reshapes of token tensors and selective
scans. In a compiled graph they run on the host beside the chip (see
:mod:`snncompile.passes.partition`); the reference simulator defines what they compute,
in float64, per time step and per sample (shapes exclude batch and time).

Nodes with ordered operands declare ``ports``; the edges into each port are summed, so
``MatMul(a, b)`` means ``(Σ edges at a) @ (Σ edges at b)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from snncompile.ir.node import Node, Shape, register_node
from snncompile.ir.stage import Stage


@dataclass(eq=False, kw_only=True)
class HostOp(Node):
    """Base of host operations."""

    stage: ClassVar[Stage] = Stage.HOST


def broadcast_batch_dims(a: Shape, b: Shape) -> Shape | None:
    """The broadcast of two leading-axis shapes (NumPy rules), None when they clash."""
    try:
        return tuple(np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        return None


@register_node
@dataclass(eq=False, kw_only=True)
class MatMul(HostOp):
    """Matrix product of two operands over their last two axes: ``y = a @ b`` with ``a``
    (..., n, k) and ``b`` (..., k, m) giving (..., n, m); leading axes broadcast (PyTorch's
    ``torch.matmul`` on per-sample shapes). Spike x spike products (Q Kᵀ) are counts."""

    kind: ClassVar[str] = "MatMul"
    ports: ClassVar[tuple[str, ...]] = ("a", "b")

    def operand_output_shape(self, shapes: Mapping[str, Shape]) -> Shape:
        a, b = shapes["a"], shapes["b"]
        lead = broadcast_batch_dims(a[:-2], b[:-2]) or ()
        return (*lead, a[-2], b[-1])

    def check_operands(self, shapes: Mapping[str, Shape]) -> list[str]:
        a, b = tuple(shapes["a"]), tuple(shapes["b"])
        if len(a) < 2 or len(b) < 2:
            return [f"operands must have at least 2 axes (..., n, k) and (..., k, m), found a {a} and b {b}"]
        problems = []
        if a[-1] != b[-2]:
            problems.append(f"inner sizes differ: a {a} has {a[-1]} columns, b {b} has {b[-2]} rows")
        if broadcast_batch_dims(a[:-2], b[:-2]) is None:
            problems.append(f"leading axes {a[:-2]} and {b[:-2]} do not broadcast")
        return problems

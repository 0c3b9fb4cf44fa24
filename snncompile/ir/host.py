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
from dataclasses import dataclass, field
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


@register_node
@dataclass(eq=False, kw_only=True)
class Quantize(HostOp):
    """Host -> chip boundary: float values to the integer payloads a chip synapse takes,
    ``y = clip(round(x * scale), -2**(bits-1), 2**(bits-1) - 1)`` (round to nearest, ties
    to even; ``scale`` broadcast to the input). The quantizer chooses ``scale`` so that the
    receiving synapse turns one payload unit into the integer current the float value
    would give (see :mod:`snncompile.passes.add_chip_entries`)."""

    kind: ClassVar[str] = "Quantize"
    scale: np.ndarray = field(default_factory=lambda: np.ones(()))
    bits: int = 24

    def __post_init__(self) -> None:
        self.scale = np.asarray(self.scale, dtype=np.float64)
        self.bits = int(self.bits)

    def check(self, input_shape: Shape) -> list[str]:
        problems = []
        if not (np.all(np.isfinite(self.scale)) and np.all(self.scale > 0)):
            problems.append(f"scale must be finite and > 0, found {self.scale.min()}..{self.scale.max()}")
        else:
            try:
                if np.broadcast_shapes(self.scale.shape, tuple(input_shape)) != tuple(input_shape):
                    raise ValueError
            except ValueError:
                problems.append(f"scale of shape {self.scale.shape} does not broadcast to the input {tuple(input_shape)}")
        if not 2 <= self.bits <= 32:
            problems.append(f"bits must lie in 2..32, found {self.bits}")
        return problems

    def limits(self) -> tuple[int, int]:
        half = 1 << (self.bits - 1)
        return -half, half - 1

"""Host operations: float nodes no neuromorphic core computes (stage ``HOST``).

Attention products, elementwise products and quotients, means and norms (here), smooth
activations (:mod:`.host_activation`), re-indexings of token tensors
(:mod:`.host_tensor`) and selective scans (:mod:`.host_scan`). In a compiled graph they
run on the host beside the chip (see :mod:`snncompile.passes.partition`); the reference
simulator defines what they compute, in float64, per time step and per sample (shapes
exclude batch and time; axes count per-sample axes only).

Nodes with ordered operands declare ``ports``; the edges into each port are summed, so
``MatMul(a, b)`` means ``(Σ edges at a) @ (Σ edges at b)``.

Arithmetic is declared once: a sum is ``Add`` (edges summed), a constant gain is
``Scale``, a value is ``Constant``; ``a - b`` is ``Add(a, Scale(-1) b)``, ``x + 1`` is
``Add(x, Constant(1))``, ``1 / x`` is ``Div(Constant(1), x)``. Only what needs two
computed operands is a node here (``Mul``, ``Div``, ``MatMul``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from snncompile.ir.node import Node, Shape, as_float_array, register_node
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


def normalize_axes(axes: tuple[int, ...], ndim: int) -> tuple[int, ...] | None:
    """``axes`` as non-negative per-sample axes, None when one is out of range."""
    if any(not -ndim <= a < ndim for a in axes):
        return None
    return tuple(a % ndim for a in axes)


def finite(name: str, value: np.ndarray | None) -> list[str]:
    if value is not None and not np.all(np.isfinite(value)):
        return [f"parameter '{name}' has non-finite values (NaN or inf)"]
    return []


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


@dataclass(eq=False, kw_only=True)
class _Elementwise2(HostOp):
    """Two operands combined element by element; per-sample shapes broadcast (NumPy)."""

    ports: ClassVar[tuple[str, ...]] = ("a", "b")

    def operand_output_shape(self, shapes: Mapping[str, Shape]) -> Shape:
        return broadcast_batch_dims(shapes["a"], shapes["b"]) or tuple(shapes["a"])

    def check_operands(self, shapes: Mapping[str, Shape]) -> list[str]:
        a, b = tuple(shapes["a"]), tuple(shapes["b"])
        if broadcast_batch_dims(a, b) is None:
            return [f"operand shapes a {a} and b {b} do not broadcast"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Mul(_Elementwise2):
    """Elementwise product of two computed operands: ``y = a * b`` (per-sample shapes
    broadcast as NumPy's; a gating ``x * silu(z)``, an attention normaliser ``o * z``).
    A product with a constant is ``Scale``."""

    kind: ClassVar[str] = "Mul"


@register_node
@dataclass(eq=False, kw_only=True)
class Div(_Elementwise2):
    """Elementwise quotient: ``y = a / b`` (IEEE: ``b == 0`` gives ±inf or NaN, as torch);
    per-sample shapes broadcast. ``1 / x`` is ``Div(Constant(1), x)``."""

    kind: ClassVar[str] = "Div"


@register_node
@dataclass(eq=False, kw_only=True)
class Mean(HostOp):
    """Arithmetic mean over per-sample ``axes``: ``y = (Σ_axes x) / n`` with ``n`` the number
    of elements averaged; ``keepdim`` keeps those axes with size 1 (``torch.mean``)."""

    kind: ClassVar[str] = "Mean"
    axes: tuple[int, ...]
    keepdim: bool = False

    def __post_init__(self) -> None:
        self.axes = tuple(int(a) for a in self.axes)
        self.keepdim = bool(self.keepdim)

    def output_shape(self, input_shape: Shape) -> Shape:
        axes = normalize_axes(self.axes, len(input_shape)) or ()
        if self.keepdim:
            return tuple(1 if i in axes else n for i, n in enumerate(input_shape))
        return tuple(n for i, n in enumerate(input_shape) if i not in axes)

    def check(self, input_shape: Shape) -> list[str]:
        axes = normalize_axes(self.axes, len(input_shape))
        if not self.axes:
            return ["needs at least one axis to average over"]
        if axes is None:
            return [f"axes {self.axes} out of range for input {tuple(input_shape)}"]
        if len(set(axes)) != len(axes):
            return [f"axes {self.axes} name the same axis twice"]
        return []


@dataclass(eq=False, kw_only=True)
class _TrailingNorm(HostOp):
    """A normalisation over the last ``len(normalized_shape)`` axes, with optional affine
    parameters of ``normalized_shape``."""

    normalized_shape: Shape
    weight: np.ndarray | None = None

    def _arrays(self) -> dict[str, np.ndarray | None]:
        return {"weight": self.weight}

    def __post_init__(self) -> None:
        self.normalized_shape = tuple(int(d) for d in self.normalized_shape)
        for name, value in self._arrays().items():
            if value is not None:
                setattr(self, name, as_float_array(value))

    def check(self, input_shape: Shape) -> list[str]:
        k = len(self.normalized_shape)
        if k == 0 or tuple(input_shape[len(input_shape) - k:]) != self.normalized_shape or k > len(input_shape):
            return [f"normalizes over trailing axes {self.normalized_shape}, but the input is {tuple(input_shape)}"]
        problems = []
        for name, value in self._arrays().items():
            if value is not None and value.shape != self.normalized_shape:
                problems.append(f"{name} shape {value.shape} != normalized shape {self.normalized_shape}")
            problems += finite(name, value)
        return problems


@register_node
@dataclass(eq=False, kw_only=True)
class LayerNorm(_TrailingNorm):
    """Layer normalisation over the last ``len(normalized_shape)`` axes (``nn.LayerNorm``)::

        mu = mean(x), var = mean((x - mu)^2)          (biased, over those axes)
        y = (x - mu) / sqrt(var + eps) * weight + bias

    ``weight`` / ``bias`` of ``normalized_shape``; None means 1 / 0."""

    kind: ClassVar[str] = "LayerNorm"
    bias: np.ndarray | None = None
    eps: float = 1e-5

    def _arrays(self) -> dict[str, np.ndarray | None]:
        return {"weight": self.weight, "bias": self.bias}

    def __post_init__(self) -> None:
        super().__post_init__()
        self.eps = float(self.eps)

    def check(self, input_shape: Shape) -> list[str]:
        problems = super().check(input_shape)
        return problems + ([] if self.eps >= 0 else [f"eps must be >= 0, found {self.eps}"])


@register_node
@dataclass(eq=False, kw_only=True)
class RMSNorm(_TrailingNorm):
    """Root-mean-square normalisation over the last ``len(normalized_shape)`` axes
    (``torch.nn.RMSNorm``)::

        y = x / sqrt(mean(x^2) + eps) * weight

    ``weight`` None means 1. ``eps`` None is torch's default: the machine epsilon of the
    dtype the graph is computed in (``torch.finfo(dtype).eps``: 2.2e-16 in the float64
    reference, 1.2e-7 in float32). The tracer writes the traced model's value instead
    (its dtype's epsilon when the module gives none), so a traced graph is explicit."""

    kind: ClassVar[str] = "RMSNorm"
    eps: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.eps = None if self.eps is None else float(self.eps)

    def check(self, input_shape: Shape) -> list[str]:
        problems = super().check(input_shape)
        if self.eps is not None and self.eps < 0:
            problems.append(f"eps must be >= 0, found {self.eps}")
        return problems


@register_node
@dataclass(eq=False, kw_only=True)
class Quantize(HostOp):
    """Host -> chip boundary: float values to the integer payloads a chip synapse takes,
    ``y[t] = clip(round(x[t] * scale), -2**(bits-1), 2**(bits-1) - 1)`` for ``t >= start``
    and ``y[t] = 0`` before (round to nearest, ties to even; ``scale`` broadcast to the
    input). The quantizer chooses ``scale`` so that the receiving synapse turns one
    payload unit into the integer current the float value would give, and ``start`` as
    the step the host's data for float step 0 arrives (its lag): before it, a host node
    that is not zero on zero input (a bias, a norm) would drive the chip with values the
    float model never has (see :mod:`snncompile.passes.add_chip_entries`)."""

    kind: ClassVar[str] = "Quantize"
    stateful: ClassVar[bool] = True  # it counts steps
    scale: np.ndarray = field(default_factory=lambda: np.ones(()))
    bits: int = 24
    start: int = 0

    def __post_init__(self) -> None:
        self.scale = np.asarray(self.scale, dtype=np.float64)
        self.bits = int(self.bits)
        self.start = int(self.start)

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
        if self.start < 0:
            problems.append(f"start must be >= 0 steps, found {self.start}")
        return problems

    def limits(self) -> tuple[int, int]:
        half = 1 << (self.bits - 1)
        return -half, half - 1

"""Synapse, shape and bookkeeping nodes (stateless except ``Delay``).

Shapes are per sample: no batch and no time axis; images are (C, H, W), signals (C, L).
Each node's input is the sum of its incoming edges (NIR's convention), so fan-in is
implicit; ``Add`` just makes a residual sum visible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from snncompile.ir.node import Node, Shape, as_float_array, negative_dims, register_node
from snncompile.ir.semantics import Comparator
from snncompile.ir.stage import Stage
from snncompile.ir.synapse import Synapse


def _pair(value: int | tuple[int, ...], n: int = 2) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    out = tuple(int(v) for v in value)
    if len(out) != n:
        raise ValueError(f"expected {n} values, found {out}")
    return out


def _finite(name: str, value: np.ndarray | None) -> list[str]:
    if value is not None and not np.all(np.isfinite(value)):
        return [f"parameter '{name}' has non-finite values (NaN or inf)"]
    return []


def _broadcast_problem(name: str, value: np.ndarray, shape: Shape) -> str | None:
    """A parameter applied elementwise must broadcast *to* the input's shape (not widen it)."""
    try:
        if np.broadcast_shapes(value.shape, tuple(shape)) == tuple(shape):
            return None
    except ValueError:
        pass
    return f"{name} of shape {value.shape} does not broadcast to the input shape {tuple(shape)}"


@register_node
@dataclass(eq=False, kw_only=True)
class Input(Node):
    """Graph input: ``y[t] = x[t]``, where ``x`` is the user's data for this node.

    What the data is does not change the float meaning, but it decides what a chip can do
    with it, so it is stated: ``carries`` is ``"spikes"`` (0/1 events, or integer
    payloads a chip synapse takes as graded spikes) or ``"values"`` (real numbers: they
    enter a chip only through the host); ``static`` says the same ``x`` arrives every step
    (an image presented for T steps), so what depends on it alone can be computed once
    per sample."""

    kind: ClassVar[str] = "Input"
    stage: ClassVar[Stage] = Stage.ANY
    source: ClassVar[bool] = True
    shape: Shape
    carries: str = "spikes"
    static: bool = False

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        self.carries = str(self.carries)
        self.static = bool(self.static)

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.shape

    def check(self, input_shape: Shape) -> list[str]:
        if self.carries not in INPUT_CARRIES:
            return [f"carries must be one of {list(INPUT_CARRIES)}, found {self.carries!r}"]
        return negative_dims(self.shape)


#: what an Input's data can be (see Input)
INPUT_CARRIES = ("spikes", "values")


@register_node
@dataclass(eq=False, kw_only=True)
class Output(Node):
    """Graph output: ``y[t] = x[t]`` (the sum of its incoming edges), recorded."""

    kind: ClassVar[str] = "Output"
    copies_elements: ClassVar[bool] = True
    stage: ClassVar[Stage] = Stage.ANY
    shape: Shape

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)

    def check(self, input_shape: Shape) -> list[str]:
        if tuple(input_shape) != self.shape:
            return [f"declared shape {self.shape} but receives {tuple(input_shape)}"]
        return negative_dims(self.shape)


@register_node
@dataclass(eq=False, kw_only=True)
class Constant(Node):
    """A value that is there every step: ``y[t] = value`` (per sample, the same for every
    sample). No incoming edge. A bias, a position embedding, the ``1`` of ``x + 1``;
    through an edge of delay ``d`` it is 0 for the first ``d`` steps, then ``value``."""

    kind: ClassVar[str] = "Constant"
    stage: ClassVar[Stage] = Stage.ANY
    source: ClassVar[bool] = True
    value: np.ndarray

    def __post_init__(self) -> None:
        self.value = as_float_array(self.value)

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(self.value.shape)

    def check(self, input_shape: Shape) -> list[str]:
        return _finite("value", self.value)


@register_node
@dataclass(eq=False, kw_only=True)
class Linear(Synapse):
    """Dense synapses over the last axis: ``y = W x + b`` with ``W`` of shape (out, in).
    ``bias=None`` means no bias (NIR Linear); with a bias it is NIR's Affine."""

    kind: ClassVar[str] = "Linear"
    weight: np.ndarray
    bias: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.weight = as_float_array(self.weight)
        if self.bias is not None:
            self.bias = as_float_array(self.bias)

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:-1]) + (self.weight.shape[0],)

    def check(self, input_shape: Shape) -> list[str]:
        problems = []
        if self.weight.ndim != 2:
            return [f"weight must be 2-D (out, in), found shape {self.weight.shape}"]
        if not input_shape or input_shape[-1] != self.weight.shape[1]:
            problems.append(f"expects input (..., {self.weight.shape[1]}), found {tuple(input_shape)}")
        if self.bias is not None and self.bias.shape != (self.weight.shape[0],):
            problems.append(f"bias shape {self.bias.shape} != ({self.weight.shape[0]},)")
        return problems + _finite("weight", self.weight) + _finite("bias", self.bias)


@dataclass(eq=False, kw_only=True)
class _ConvNd(Synapse):
    """PyTorch convention: cross-correlation, weight (C_out, C_in/groups, *kernel)."""

    ndim: ClassVar[int] = 2
    operator: ClassVar[str] = "conv2d"
    weight: np.ndarray
    bias: np.ndarray | None = None
    stride: tuple[int, ...] = (1, 1)
    padding: tuple[int, ...] = (0, 0)
    dilation: tuple[int, ...] = (1, 1)
    groups: int = 1

    def __post_init__(self) -> None:
        self.weight = as_float_array(self.weight)
        if self.bias is not None:
            self.bias = as_float_array(self.bias)
        self.stride = _pair(self.stride, self.ndim)
        self.padding = _pair(self.padding, self.ndim)
        self.dilation = _pair(self.dilation, self.ndim)
        self.groups = int(self.groups)

    def output_shape(self, input_shape: Shape) -> Shape:
        kernel = self.weight.shape[2:]
        spatial = tuple(
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, k, s, p, d in zip(input_shape[1:], kernel, self.stride, self.padding, self.dilation)
        )
        return (self.weight.shape[0],) + spatial

    def check(self, input_shape: Shape) -> list[str]:
        if self.weight.ndim != self.ndim + 2:
            return [f"weight must be {self.ndim + 2}-D, found shape {self.weight.shape}"]
        if len(input_shape) != self.ndim + 1:
            axes = {1: "L", 2: "H, W", 3: "D, H, W"}[self.ndim]
            return [f"expects input (C, {axes}), found {tuple(input_shape)}"]
        problems = []
        c_in = self.weight.shape[1] * self.groups
        if input_shape[0] != c_in:
            problems.append(f"expects {c_in} input channels, found {input_shape[0]}")
        if self.weight.shape[0] % self.groups:
            problems.append(f"{self.weight.shape[0]} output channels not divisible by groups={self.groups}")
        if any(n <= 0 for n in self.output_shape(input_shape)[1:]):
            problems.append(f"kernel larger than padded input {tuple(input_shape)}")
        if self.bias is not None and self.bias.shape != (self.weight.shape[0],):
            problems.append(f"bias shape {self.bias.shape} != ({self.weight.shape[0]},)")
        return problems + _finite("weight", self.weight) + _finite("bias", self.bias)


@register_node
@dataclass(eq=False, kw_only=True)
class Conv1d(_ConvNd):
    """1-D convolution over (C, L): ``y = conv1d(x, W, b, stride, padding, dilation, groups)``."""

    kind: ClassVar[str] = "Conv1d"
    ndim: ClassVar[int] = 1
    operator: ClassVar[str] = "conv1d"
    stride: tuple[int, ...] = (1,)
    padding: tuple[int, ...] = (0,)
    dilation: tuple[int, ...] = (1,)


@register_node
@dataclass(eq=False, kw_only=True)
class Conv2d(_ConvNd):
    """2-D convolution over (C, H, W): ``y = conv2d(x, W, b, stride, padding, dilation, groups)``."""

    kind: ClassVar[str] = "Conv2d"


@register_node
@dataclass(eq=False, kw_only=True)
class Conv3d(_ConvNd):
    """3-D convolution over (C, D, H, W): ``y = conv3d(x, W, b, stride, padding, dilation,
    groups)``. No chip core has one; a (1, p, p) kernel over one frame is a Conv2d."""

    kind: ClassVar[str] = "Conv3d"
    ndim: ClassVar[int] = 3
    operator: ClassVar[str] = "conv3d"
    stride: tuple[int, ...] = (1, 1, 1)
    padding: tuple[int, ...] = (0, 0, 0)
    dilation: tuple[int, ...] = (1, 1, 1)


@dataclass(eq=False, kw_only=True)
class _Pool2d(Node):
    kernel_size: tuple[int, int]
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        self.kernel_size = _pair(self.kernel_size)  # type: ignore[assignment]
        self.stride = _pair(self.stride if self.stride is not None else self.kernel_size)  # type: ignore[assignment]
        self.padding = _pair(self.padding)  # type: ignore[assignment]

    def output_shape(self, input_shape: Shape) -> Shape:
        assert self.stride is not None
        spatial = tuple(
            (n + 2 * p - k) // s + 1
            for n, k, s, p in zip(input_shape[1:], self.kernel_size, self.stride, self.padding)
        )
        return (input_shape[0],) + spatial

    def check(self, input_shape: Shape) -> list[str]:
        if len(input_shape) != 3:
            return [f"expects input (C, H, W), found {tuple(input_shape)}"]
        if any(n <= 0 for n in self.output_shape(input_shape)[1:]):
            return [f"pool window larger than input {tuple(input_shape)}"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class SumPool2d(_Pool2d):
    """``y = sum of x over each window`` (zero padding)."""

    kind: ClassVar[str] = "SumPool2d"


@register_node
@dataclass(eq=False, kw_only=True)
class AvgPool2d(_Pool2d):
    """``y = (sum of x over each window) / (kh * kw)`` (zero padding counted, as PyTorch's
    default ``count_include_pad=True``)."""

    kind: ClassVar[str] = "AvgPool2d"


@register_node
@dataclass(eq=False, kw_only=True)
class MaxPool2d(_Pool2d):
    """``y = max of x over each window`` (padding never wins). On 0/1 spikes this is OR."""

    kind: ClassVar[str] = "MaxPool2d"
    copies_elements: ClassVar[bool] = True


@register_node
@dataclass(eq=False, kw_only=True)
class Flatten(Node):
    """Merge per-sample axes ``start_dim..end_dim`` (inclusive, batch not counted)."""

    kind: ClassVar[str] = "Flatten"
    copies_elements: ClassVar[bool] = True
    stage: ClassVar[Stage] = Stage.ANY
    start_dim: int = 0
    end_dim: int = -1

    def _range(self, ndim: int) -> tuple[int, int]:
        start = self.start_dim % ndim if ndim else 0
        end = self.end_dim % ndim if ndim else 0
        return start, end

    def output_shape(self, input_shape: Shape) -> Shape:
        if not input_shape:
            return input_shape
        start, end = self._range(len(input_shape))
        merged = math.prod(input_shape[start : end + 1])
        return tuple(input_shape[:start]) + (merged,) + tuple(input_shape[end + 1 :])

    def check(self, input_shape: Shape) -> list[str]:
        n = len(input_shape)
        if not (-n <= self.start_dim < n and -n <= self.end_dim < n):
            return [f"dims {self.start_dim}..{self.end_dim} out of range for input {tuple(input_shape)}"]
        start, end = self._range(n)
        if start > end:
            return [f"start_dim {self.start_dim} after end_dim {self.end_dim}"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Scale(Node):
    """Elementwise gain: ``y = scale * x`` (``scale`` broadcast to the input)."""

    kind: ClassVar[str] = "Scale"
    scale: np.ndarray

    def __post_init__(self) -> None:
        self.scale = as_float_array(self.scale)

    def check(self, input_shape: Shape) -> list[str]:
        if problem := _broadcast_problem("scale", self.scale, input_shape):
            return [problem]
        return _finite("scale", self.scale)


@register_node
@dataclass(eq=False, kw_only=True)
class Threshold(Node):
    """Heaviside: ``y = 1 if x > threshold else 0`` (``>=`` with comparator GE)."""

    kind: ClassVar[str] = "Threshold"
    spiking: ClassVar[bool] = True
    threshold: np.ndarray
    comparator: Comparator = Comparator.GT

    def __post_init__(self) -> None:
        self.threshold = as_float_array(self.threshold)
        self.comparator = Comparator(self.comparator)

    def check(self, input_shape: Shape) -> list[str]:
        if problem := _broadcast_problem("threshold", self.threshold, input_shape):
            return [problem]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Delay(Node):
    """Per-neuron delay in whole steps: ``y[t] = x[t - delay]`` (0 before the start).
    ``delay`` is an int array broadcast to the input shape."""

    kind: ClassVar[str] = "Delay"
    copies_elements: ClassVar[bool] = True
    stateful: ClassVar[bool] = True
    delay: np.ndarray

    def __post_init__(self) -> None:
        raw = np.asarray(self.delay)
        self.delay = np.rint(raw).astype(np.int64)

    def check(self, input_shape: Shape) -> list[str]:
        if problem := _broadcast_problem("delay", self.delay, input_shape):
            return [problem]
        if np.any(self.delay < 0):
            return ["delays must be >= 0 steps"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Add(Node):
    """Elementwise sum of all incoming edges (a residual connection): ``y = sum_k x_k``."""

    kind: ClassVar[str] = "Add"


@register_node
@dataclass(eq=False, kw_only=True)
class BatchNorm(Node):
    """Inference batch norm over the channel axis (axis 0 of the per-sample shape)::

        y = (x - mean) / sqrt(var + eps) * weight + bias

    Kept until a pass folds it into the neighbouring synapses."""

    kind: ClassVar[str] = "BatchNorm"
    mean: np.ndarray
    var: np.ndarray
    weight: np.ndarray = field(default_factory=lambda: np.ones(()))
    bias: np.ndarray = field(default_factory=lambda: np.zeros(()))
    eps: float = 1e-5

    def __post_init__(self) -> None:
        for name in ("mean", "var", "weight", "bias"):
            setattr(self, name, as_float_array(getattr(self, name)))
        self.eps = float(self.eps)

    def check(self, input_shape: Shape) -> list[str]:
        if not input_shape:
            return ["needs at least a channel axis"]
        problems = []
        for name in ("mean", "var", "weight", "bias"):
            value = getattr(self, name)
            if value.ndim and value.shape != (input_shape[0],):
                problems.append(f"{name} shape {value.shape} != ({input_shape[0]},) channels")
            problems += _finite(name, value)
        if np.any(self.var + self.eps <= 0):
            problems.append("var + eps must be > 0")
        return problems

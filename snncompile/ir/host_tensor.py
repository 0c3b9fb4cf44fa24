"""Re-indexings of per-sample tensors: permute, reshape, expand, concatenate, slice.

Pure data movement (no arithmetic), so exact in every dtype. ``Reshape`` keeps the flat
(row-major) order, so on a chip it is free, like ``Flatten``: stage ``ANY``. The others
reorder elements; they are stage ``HOST`` because no chip lowering folds them into
connectivity yet. Axes count per-sample axes (the batch axis is never named).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from snncompile.ir.host import HostOp
from snncompile.ir.node import Shape, register_node
from snncompile.ir.ops import Flatten
from snncompile.ir.stage import Stage


@register_node
@dataclass(eq=False, kw_only=True)
class Permute(HostOp):
    """Reorder the axes: ``y[i_perm[0], ..., i_perm[k]] = x[i_0, ..., i_k]``, i.e. output
    axis ``j`` is input axis ``perm[j]`` (``x.permute``; ``x.transpose(a, b)`` swaps two)."""

    kind: ClassVar[str] = "Permute"
    copies_elements: ClassVar[bool] = True
    perm: tuple[int, ...]

    def __post_init__(self) -> None:
        self.perm = tuple(int(p) for p in self.perm)

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[p] for p in self.perm) if not self.check(input_shape) else tuple(input_shape)

    def check(self, input_shape: Shape) -> list[str]:
        if sorted(self.perm) != list(range(len(input_shape))):
            return [f"perm {self.perm} is not a permutation of the {len(input_shape)} axes of {tuple(input_shape)}"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Reshape(HostOp):
    """Same elements in the same (row-major) order, new per-sample ``shape``
    (``x.reshape(batch, *shape)``). Merging adjacent axes is ``Flatten``. A flat view:
    free on a chip (stage ``ANY``)."""

    kind: ClassVar[str] = "Reshape"
    copies_elements: ClassVar[bool] = True
    stage: ClassVar[Stage] = Stage.ANY
    shape: Shape

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.shape

    def check(self, input_shape: Shape) -> list[str]:
        if any(d < 1 for d in self.shape):
            return [f"shape {self.shape} has sizes below 1"]
        if math.prod(self.shape) != math.prod(input_shape):
            return [f"cannot reshape {tuple(input_shape)} ({math.prod(input_shape)} elements) to {self.shape} ({math.prod(self.shape)})"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Expand(HostOp):
    """Broadcast to the per-sample ``shape`` (NumPy rules: the input's axes align on the
    right, size-1 axes repeat): ``y = broadcast_to(x, shape)``. The tracer puts one in
    front of an ``Add`` whose operands broadcast (``x - x.mean(-1, keepdim=True)``)."""

    kind: ClassVar[str] = "Expand"
    copies_elements: ClassVar[bool] = True
    shape: Shape

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.shape

    def check(self, input_shape: Shape) -> list[str]:
        try:
            if np.broadcast_shapes(tuple(input_shape), self.shape) == self.shape:
                return []
        except ValueError:
            pass
        return [f"input {tuple(input_shape)} does not broadcast to {self.shape}"]


@register_node
@dataclass(eq=False, kw_only=True)
class Concat(HostOp):
    """Concatenation of ``count`` operands along ``axis``: ``y = cat([x0, ..., x{count-1}],
    axis)`` (``torch.cat``); the other axes must agree.

    A variable number of operands: the ports are ``x0 .. x{count-1}``, computed from the
    ``count`` field (``ports`` is read on instances by the graph code)."""

    kind: ClassVar[str] = "Concat"
    copies_elements: ClassVar[bool] = True
    axis: int
    count: int = 2

    def __post_init__(self) -> None:
        self.axis, self.count = int(self.axis), int(self.count)

    @property
    def ports(self) -> tuple[str, ...]:  # type: ignore[override]  # per instance, from count
        return tuple(f"x{i}" for i in range(self.count))

    def operand_output_shape(self, shapes: Mapping[str, Shape]) -> Shape:
        first = tuple(shapes[self.ports[0]])
        axis = self.axis % len(first)
        total = sum(shapes[p][axis] for p in self.ports)
        return (*first[:axis], total, *first[axis + 1:])

    def check_operands(self, shapes: Mapping[str, Shape]) -> list[str]:
        if self.count < 1:
            return [f"needs at least one operand, found count={self.count}"]
        found = [tuple(shapes[p]) for p in self.ports]
        ndim = len(found[0])
        if not -ndim <= self.axis < ndim:
            return [f"axis {self.axis} out of range for operands of {ndim} axes"]
        axis = self.axis % ndim
        rest = {s[:axis] + s[axis + 1:] if len(s) == ndim else s for s in found}
        if len(rest) > 1:
            detail = ", ".join(f"{p} {s}" for p, s in zip(self.ports, found))
            return [f"operands must agree on every axis but {axis}: {detail}"]
        return []


@register_node
@dataclass(eq=False, kw_only=True)
class Slice(HostOp):
    """Elements ``start, start + step, ... < stop`` of ``axis`` (``x[..., start:stop:step]``;
    ``start``/``stop`` non-negative and within the axis, ``step >= 1``). ``chunk`` and
    ``split`` are one Slice per piece."""

    kind: ClassVar[str] = "Slice"
    copies_elements: ClassVar[bool] = True
    axis: int
    start: int
    stop: int
    step: int = 1

    def __post_init__(self) -> None:
        self.axis, self.start, self.stop, self.step = (int(v) for v in (self.axis, self.start, self.stop, self.step))

    def output_shape(self, input_shape: Shape) -> Shape:
        if self.check(input_shape):
            return tuple(input_shape)
        axis = self.axis % len(input_shape)
        size = len(range(self.start, self.stop, self.step))
        return (*input_shape[:axis], size, *input_shape[axis + 1:])

    def check(self, input_shape: Shape) -> list[str]:
        n = len(input_shape)
        if not -n <= self.axis < n:
            return [f"axis {self.axis} out of range for input {tuple(input_shape)}"]
        size = input_shape[self.axis % n]
        if self.step < 1:
            return [f"step must be >= 1, found {self.step}"]
        if not 0 <= self.start < self.stop <= size:
            return [f"slice {self.start}:{self.stop} is empty or outside axis {self.axis} of size {size}"]
        return []


#: nodes that only re-view a population's flat vector (no arithmetic, no reordering):
#: free on a chip, and a backend passes the flat payload through them
FLAT_VIEWS: tuple[type, ...] = (Flatten, Reshape)

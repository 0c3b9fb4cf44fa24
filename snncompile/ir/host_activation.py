"""Smooth and piecewise activations, elementwise, on the host (stage ``HOST``).

Each is ``y = f(x)`` per element, the output shaped as the input; the equations are
PyTorch's (``torch.nn`` modules of the same names), stated on each class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from snncompile.ir.host import HostOp
from snncompile.ir.node import Shape, register_node


def _finite_number(name: str, value: float) -> list[str]:
    return [] if math.isfinite(value) else [f"{name} must be a finite number, found {value}"]


@register_node
@dataclass(eq=False, kw_only=True)
class ReLU(HostOp):
    """``y = max(x, 0)``."""

    kind: ClassVar[str] = "ReLU"


@register_node
@dataclass(eq=False, kw_only=True)
class Sigmoid(HostOp):
    """``y = 1 / (1 + exp(-x))``."""

    kind: ClassVar[str] = "Sigmoid"


@register_node
@dataclass(eq=False, kw_only=True)
class SiLU(HostOp):
    """``y = x * sigmoid(x)`` (swish)."""

    kind: ClassVar[str] = "SiLU"


@register_node
@dataclass(eq=False, kw_only=True)
class Sign(HostOp):
    """``y = -1, 0, +1`` for ``x < 0, x == 0, x > 0`` (``torch.sign``; BackEISNN's
    excitatory/inhibitory gate). Its output is a ternary value, not a spike."""

    kind: ClassVar[str] = "Sign"


@register_node
@dataclass(eq=False, kw_only=True)
class Exp(HostOp):
    """``y = exp(x)``."""

    kind: ClassVar[str] = "Exp"


class GeluApproximation(str, Enum):
    NONE = "none"
    TANH = "tanh"


@register_node
@dataclass(eq=False, kw_only=True)
class GELU(HostOp):
    """Gaussian error linear unit (``nn.GELU(approximate=...)``)::

        none: y = 0.5 x (1 + erf(x / sqrt(2)))
        tanh: y = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    """

    kind: ClassVar[str] = "GELU"
    approximate: GeluApproximation = GeluApproximation.NONE

    def __post_init__(self) -> None:
        self.approximate = GeluApproximation(self.approximate)


@register_node
@dataclass(eq=False, kw_only=True)
class ELU(HostOp):
    """``y = x`` if ``x > 0`` else ``alpha (exp(x) - 1)``."""

    kind: ClassVar[str] = "ELU"
    alpha: float = 1.0

    def __post_init__(self) -> None:
        self.alpha = float(self.alpha)

    def check(self, input_shape: Shape) -> list[str]:
        return _finite_number("alpha", self.alpha)


@register_node
@dataclass(eq=False, kw_only=True)
class Softplus(HostOp):
    """``y = log(1 + exp(beta x)) / beta``, and ``y = x`` where ``beta x > threshold``
    (``nn.Softplus``: the linear branch avoids overflow; defaults as torch)."""

    kind: ClassVar[str] = "Softplus"
    beta: float = 1.0
    threshold: float = 20.0

    def __post_init__(self) -> None:
        self.beta, self.threshold = float(self.beta), float(self.threshold)

    def check(self, input_shape: Shape) -> list[str]:
        problems = _finite_number("beta", self.beta) + _finite_number("threshold", self.threshold)
        if self.beta == 0:
            problems.append("beta must not be 0")
        return problems

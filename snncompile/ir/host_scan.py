"""Mamba's selective scan (S6) as a host node: a linear recurrence whose step size and
input/output projections depend on the input.

The scan runs over the ``L`` axis of one time step's tensor (the tokens of the current
frame), not over time steps: nothing is carried from one step to the next, so the node
is stateless in the graph's sense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from snncompile.ir.host import HostOp, finite
from snncompile.ir.node import Shape, as_float_array, register_node


@register_node
@dataclass(eq=False, kw_only=True)
class SelectiveScan(HostOp):
    """Mamba's ``selective_scan_ref`` (state-spaces/mamba, real A, input-dependent B and
    C, one group), token-major. Operands per sample: ``x`` (L, D), ``delta`` (L, D),
    ``B`` (L, N), ``C`` (L, N); fields ``A`` (D, N) (Mamba's ``-exp(A_log)``), ``D`` (D,)
    or None, ``delta_bias`` (D,) or None, ``delta_softplus``::

        delta = delta + delta_bias                       (if delta_bias is given)
        delta = softplus(delta)                          (if delta_softplus; beta 1, threshold 20)
        dA_l  = exp(delta_l ⊗ A)                         (D, N): exp(delta[l, d] * A[d, n])
        h_l   = dA_l * h_{l-1} + (delta_l * x_l) ⊗ B_l   h_{-1} = 0, (D, N)
        y_l   = h_l · C_l + D * x_l                      y[l, d] = Σ_n h_l[d, n] C[l, n] + D[d] x[l, d]

    for ``l = 0 .. L-1``; the output is ``y`` (L, D)."""

    kind: ClassVar[str] = "SelectiveScan"
    ports: ClassVar[tuple[str, ...]] = ("x", "delta", "B", "C")
    A: np.ndarray
    D: np.ndarray | None = None
    delta_bias: np.ndarray | None = None
    delta_softplus: bool = False

    def __post_init__(self) -> None:
        self.A = as_float_array(self.A)
        self.D = None if self.D is None else as_float_array(self.D)
        self.delta_bias = None if self.delta_bias is None else as_float_array(self.delta_bias)
        self.delta_softplus = bool(self.delta_softplus)

    def operand_output_shape(self, shapes: Mapping[str, Shape]) -> Shape:
        return tuple(shapes["x"])

    def check_operands(self, shapes: Mapping[str, Shape]) -> list[str]:
        if self.A.ndim != 2:
            return [f"A must be 2-D (D, N), found shape {self.A.shape}"]
        d, n = self.A.shape
        problems = []
        for port, last in (("x", d), ("delta", d), ("B", n), ("C", n)):
            shape = tuple(shapes[port])
            if len(shape) != 2 or shape[1] != last:
                what = "D" if last == d else "N"
                problems.append(f"operand '{port}' must be (L, {what}={last}), found {shape}")
        lengths = {tuple(shapes[p])[0] for p in self.ports if len(shapes[p]) == 2}
        if len(lengths) > 1:
            problems.append(f"operands disagree on the sequence length L: {sorted(lengths)}")
        for name in ("D", "delta_bias"):
            value = getattr(self, name)
            if value is not None and value.shape != (d,):
                problems.append(f"{name} shape {value.shape} != ({d},)")
        return problems + finite("A", self.A) + finite("D", self.D) + finite("delta_bias", self.delta_bias)

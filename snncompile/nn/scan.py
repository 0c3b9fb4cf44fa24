"""Mamba's selective scan as a plain-PyTorch module (and the function it calls).

``scan = SelectiveScan(d_inner, d_state)``, then ``y = scan(x, delta, B, C)`` with, for a
batch of token sequences (token-major, unlike Mamba's ``(batch, D, L)`` kernels)::

    x, delta: (batch, L, D)      B, C: (batch, L, N)      y: (batch, L, D)

and the module's parameters ``A_log`` (D, N) (``A = -exp(A_log)``, Mamba's
parametrisation), ``D`` (D,) (the skip; None with ``skip=False``) and ``delta_bias``
(D,) (None with ``delta_bias=False``; Mamba passes ``dt_proj.bias`` here). The equation
is :class:`snncompile.ir.host_scan.SelectiveScan`'s, which the tracer maps it to::

    delta = softplus(delta + delta_bias)       (bias if given; softplus if delta_softplus)
    h_l = exp(delta_l ⊗ A) * h_{l-1} + (delta_l * x_l) ⊗ B_l,   h_{-1} = 0
    y_l = h_l · C_l + D * x_l

The scan runs over the L tokens of one call; nothing is kept between calls.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def selective_scan(
    x: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
    D: torch.Tensor | None = None, delta_bias: torch.Tensor | None = None, delta_softplus: bool = False,
) -> torch.Tensor:
    """The scan above on ``(batch, L, D)`` / ``(batch, L, N)`` tensors, looping over L (the
    reference simulator's kernel too)."""
    if delta_bias is not None:
        delta = delta + delta_bias
    if delta_softplus:
        delta = F.softplus(delta)
    decay = torch.exp(delta.unsqueeze(-1) * A)  # (batch, L, D, N)
    drive = (delta * x).unsqueeze(-1) * B.unsqueeze(-2)  # (batch, L, D, N)
    h = torch.zeros_like(decay[:, 0])
    ys = []
    for step in range(x.shape[1]):
        h = decay[:, step] * h + drive[:, step]
        ys.append((h * C[:, step].unsqueeze(-2)).sum(-1))
    y = torch.stack(ys, dim=1)
    return y if D is None else y + D * x


class SelectiveScan(nn.Module):
    """``y = scan(x, delta, B, C)``: see the module docstring. Initialised as Mamba does:
    ``A[d, n] = -(n + 1)``, ``D = 1``, ``delta_bias = softplus⁻¹(dt)`` with ``dt``
    log-uniform in ``[dt_min, dt_max]``."""

    def __init__(self, d_inner: int, d_state: int, *, skip: bool = True, delta_bias: bool = True,
                 delta_softplus: bool = True, dt_min: float = 1e-3, dt_max: float = 1e-1):
        super().__init__()
        A = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(d_inner, 1)
        self.A_log = nn.Parameter(torch.log(A))
        self.D: nn.Parameter | None = nn.Parameter(torch.ones(d_inner)) if skip else None
        self.delta_bias: nn.Parameter | None = None
        if delta_bias:
            dt = torch.exp(torch.rand(d_inner) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
            self.delta_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
        self.delta_softplus = bool(delta_softplus)

    @property
    def A(self) -> torch.Tensor:
        return -torch.exp(self.A_log)

    def forward(self, x: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
        return selective_scan(x, delta, self.A, B, C, self.D, self.delta_bias, self.delta_softplus)

    def extra_repr(self) -> str:
        d, n = self.A_log.shape
        return f"d_inner={d}, d_state={n}, skip={self.D is not None}, delta_bias={self.delta_bias is not None}, delta_softplus={self.delta_softplus}"

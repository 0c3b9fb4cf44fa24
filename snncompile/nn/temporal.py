"""A convolution over time, one step per call: learned delays (DCLS) and temporal
convolutions (TCN) in the per-step protocol the compiler traces.

``TemporalConv(conv)`` wraps a 1-D convolution module ``conv`` that a sequence model
applies over the time axis of a (batch, C_in, T) tensor — ``torch.nn.Conv1d`` (a causal,
dilated TCN layer) or DCLS's ``Dcls1d`` (the learned-delay layer of the SNN-delays code) —
with no padding of its own and stride 1. Its span is ``S = dilation (k - 1) + 1``
(``Conv1d``) or ``dilated_kernel_size`` (``Dcls1d``). The sequence model pads time with
``S - 1`` zeros on the left (causal) and applies ``conv``; output step ``t`` sees only
inputs ``t - S + 1 .. t``. Per call (one step, input (batch, C_in)) this module keeps
those last ``S`` inputs (zeros before the first step) and returns ``conv`` of them,
(batch, C_out): exactly step ``t`` of the sequence model. A right padding of ``p`` steps
(SNN-delays pads ``(S - 1) // 2``) only lengthens the output: run ``p`` more steps with
zero input. With ``K[o, i, k]`` the kernel ``conv`` applies (DCLS builds it from its
weights and positions), that is::

    y[t] = sum_k K[:, :, k] x[t - (S - 1 - k)] + bias       (x = 0 before step 0)

which the tracer writes as synapses with per-synapse delays ``d = S - 1 - k``
(:mod:`snncompile.frontends.torch.temporal`). :meth:`reset` starts a new sequence.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def temporal_span(conv: Any) -> int:
    """``S``: how many steps of input one output step of ``conv`` sees."""
    if hasattr(conv, "DCK"):  # DCLS: the kernel is dilated_kernel_size long
        return int(conv.dilated_kernel_size[0])
    return int(conv.dilation[0]) * (int(conv.kernel_size[0]) - 1) + 1


class TemporalConv(nn.Module):
    """``conv`` over the last ``S`` steps of a per-step input (see the module docstring)."""

    def __init__(self, conv: Any):
        super().__init__()
        if tuple(conv.stride) != (1,) or conv.padding not in ((0,), "valid"):
            raise ValueError(f"{type(conv).__name__}: a convolution over time needs stride 1 and no padding of its "
                             f"own (found stride {tuple(conv.stride)}, padding {conv.padding}); pad time causally")
        self.conv = conv
        self.span = temporal_span(conv)
        self.window: torch.Tensor | None = None

    def reset(self) -> None:
        self.window = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.window is None or self.window.shape[0] != x.shape[0] or self.window.dtype != x.dtype:
            self.window = x.new_zeros((x.shape[0], x.shape[1], self.span))
        self.window = torch.cat([self.window[..., 1:], x.unsqueeze(-1)], dim=-1)
        return self.conv(self.window).squeeze(-1)

    def sequence(self, x: torch.Tensor, right: int = 0) -> torch.Tensor:
        """The sequence form on (T, batch, C_in): time padded ``S - 1`` left and ``right``
        right, ``conv`` over time; (T + right, batch, C_out). Keeps no state."""
        padded = nn.functional.pad(x.permute(1, 2, 0), (self.span - 1, right))
        return self.conv(padded).permute(2, 0, 1)

    def extra_repr(self) -> str:
        return f"span={self.span}"

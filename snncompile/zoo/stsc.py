"""Toy E: STSC-SNN (Yu et al., Frontiers in Neuroscience 2022), one time step per call.

Source: Tab-ct/STSC-SNN (``modules.py``: ``STSC``, ``STSC_Attention``,
``STSC_Temporal_Conv``; the SHD model ``SHD_STSC``). STSC acts on the raw input
sequence x (T, C), per channel c and time t::

    conv[t]  = sum_k w[c, k] x[t + k - 2]                    depthwise, kernel 5, pad 2
    h[t]     = sum_j W_T[:, :, j] x[t + j - 1] + b_T         Conv1d over time, kernel 3, pad 1
    gate[t]  = 1 - sigmoid(W_C relu(h[t]))                   Linear, no bias
    y[t]     = conv[t] * gate[t]

then Linear -> LIF -> Linear -> LIF -> Linear -> LIF (SpikingJelly ``LIFNode(tau=10,
decay_input=False, v_threshold=0.3)``: ``v = v - v/10 + x``, spike ``v >= 0.3``, reset to
0) and a voting readout (SpikingJelly's ``VotingLayer``: the mean of each group of 5
output neurons is a class score), classified by the scores summed over time.

STSC is non-causal: y[t] reads x[t + 2]. One step per call therefore means the encoder
answers ``LAG = 2`` steps late: at step t it has seen x[0..t] and returns y[t - 2], and
zeros for t < 2 (the original has no y[-2], y[-1]). The rest of the network follows
it, so the per-step model run over the input plus 2 zero steps (``braille.stsc_sequence``)
computes the original's outputs shifted by 2 steps exactly, provided nothing moves while
the encoder is silent: so the toy's Linears have **no bias** (the original's
``layer.Linear`` has one; a bias would charge the LIFs during the first 2 steps). With
v = 0 and zero input, a LIF stays at 0 and silent, and the voting sums over time are the
original's. :meth:`STSCEncoder.sequence` is the original multi-step STSC, for the test of
that claim.

On a chip the encoder runs on the host: the gate multiplies two computed values, and
the taps over time are edges with delays 0..4 from the input; everything after it (three
Linear + LIF layers) is native. The voting mean runs on the host too.

Toy E (seeds.md: 40 inputs, T = 15, 40->16->16->10, voting 5 -> 2 classes) is sized to
the Braille data instead: 12 taxels, T = 16 bins, 12 -> 32 -> 32 -> 35, voting 5 -> 7.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from snncompile.zoo.stepping import WEIGHTS, load_weights

CONV_KERNEL = 5
ATTN_KERNEL = 3
LAG = (CONV_KERNEL - 1) // 2


class STSCEncoder(nn.Module):
    """STSC of one step, ``LAG`` steps late (see the module docstring): (B, C) -> (B, C).

    Keeps the last ``CONV_KERNEL`` inputs (oldest first). The sums run tap by tap, oldest
    first, as the traced graph adds its edges."""

    def __init__(self, channels: int, reduction: int = 1) -> None:
        super().__init__()
        self.temporal_conv = nn.Conv1d(channels, channels, CONV_KERNEL, padding=LAG, groups=channels, bias=False)
        self.recv_T = nn.Conv1d(channels, channels // reduction, ATTN_KERNEL, padding=(ATTN_KERNEL - 1) // 2)
        self.recv_C = nn.Linear(channels // reduction, channels, bias=False)
        self.window: torch.Tensor | None = None
        self.t = 0

    def reset(self) -> None:
        self.window, self.t = None, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.window is None:
            self.window = x.new_zeros(*x.shape, CONV_KERNEL)
        self.window = torch.cat([self.window[..., 1:], x[..., None]], dim=-1)
        self.t += 1
        y = self.encode(self.window)
        return y if self.t > LAG else torch.zeros_like(y)

    def encode(self, window: torch.Tensor) -> torch.Tensor:
        """y at the window's centre from a (B, C, CONV_KERNEL) window, oldest first."""
        w = self.temporal_conv.weight[:, 0]  # (C, K)
        conv = window[..., 0] * w[:, 0]
        for k in range(1, CONV_KERNEL):
            conv = conv + window[..., k] * w[:, k]
        first = LAG - (ATTN_KERNEL - 1) // 2  # the attention's taps, centred on the same step
        h = F.linear(window[..., first], self.recv_T.weight[..., 0], self.recv_T.bias)
        for j in range(1, ATTN_KERNEL):
            h = h + F.linear(window[..., first + j], self.recv_T.weight[..., j])
        return conv * (1 - torch.sigmoid(self.recv_C(torch.relu(h))))

    def sequence(self, x_seq: torch.Tensor) -> torch.Tensor:
        """The original multi-step STSC on (B, T, C) (``STSC.forward`` with
        ``dimension=2``, time as the convolutions' length axis): (B, T, C)."""
        xt = x_seq.transpose(1, 2)
        conv = self.temporal_conv(xt).transpose(1, 2)
        return conv * (1 - torch.sigmoid(self.recv_C(torch.relu(self.recv_T(xt).transpose(1, 2)))))


def stsc_lif() -> nn.Module:
    """SpikingJelly LIF as STSC's SHD model builds it (tau 10, no input decay, th 0.3)."""
    from spikingjelly.activation_based import neuron, surrogate

    return neuron.LIFNode(tau=10.0, decay_input=False, v_threshold=0.3, v_reset=0.0,
                          surrogate_function=surrogate.ATan(), detach_reset=True, step_mode="s")


class STSCSNN(nn.Module):
    """Toy E, one step per call: (batch, 12) -> (batch, 7) voting scores."""

    steps = 16 + LAG

    def __init__(self, inputs: int = 12, hidden: int = 32, classes: int = 7, voters: int = 5) -> None:
        super().__init__()
        self.classes, self.voters = classes, voters
        self.stsc = STSCEncoder(inputs)
        self.fc1, self.lif1 = nn.Linear(inputs, hidden, bias=False), stsc_lif()
        self.fc2, self.lif2 = nn.Linear(hidden, hidden, bias=False), stsc_lif()
        self.fc3, self.lif3 = nn.Linear(hidden, classes * voters, bias=False), stsc_lif()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.lif1(self.fc1(self.stsc(x)))
        s = self.lif3(self.fc3(self.lif2(self.fc2(s))))
        return s.reshape(-1, self.classes, self.voters).mean(-1)


def load_stsc(path: str | Path | None = None, dtype: torch.dtype = torch.float64) -> STSCSNN:
    """Toy E with its trained weights (``weights/stsc.npz``), eval mode."""
    model = STSCSNN().to(dtype)
    return load_weights(model, path or WEIGHTS / "stsc.npz")  # type: ignore[return-value]

"""Toy A: Spikformer V2 (Zhou et al., ICLR 2023 / arXiv 2401.02020), one time step per call.

Layout and operations follow the original Spikformer code for event data
(ZK-Zhou/spikformer, ``cifar10dvs/model.py``: tokens as (C, N) per sample, Conv1d k=1
projections) with the CIFAR SPS pooling (``cifar10/model.py``: MaxPool after stages 3
and 4). Every ``LIF`` is SpikingJelly's ``LIFNode`` (:func:`neurons.sj_lif`: tau 2,
decay_input, threshold 1, hard reset to 0, fires at ``v >= th``); ``CBL`` is
Conv (no bias) -> BatchNorm -> LIF. Per step, with ``x`` the (2, 16, 16) input::

    SCS:  s = CBL3x3(2->4)(x); s = CBL3x3(4->4)(s)               16x16, spikes
    SPS:  s = CBL3x3(4->4) -> CBL3x3(4->8) -> CBL3x3(8->16) -> MaxPool(3,2,1)
              -> CBL3x3(16->32) -> MaxPool(3,2,1)                4x4 = 16 tokens
          x = s + LIF(BN(Conv3x3(s)))                            RPE, spike + spike
          x = flatten(x): (C=32, N=16)
    SSA:  q, k, v = LIF(BN1d(Conv1d_k1(x)))                      each (32, 16)
          heads: (C, N) -> transpose -> (N, 2, 16) -> (2, N, 16)
          a = LIF_0.5(((q k^T) v) * 0.125)  -> (C, N)
          x = x + LIF(BN1d(Conv1d_k1(a)))                        spike-add residual
    MLP:  x = x + LIF(BN1d(Conv1d(128->32)(LIF(BN1d(Conv1d(32->128)(x))))))
    head: y_t = Linear(32 -> 10)(mean over tokens of x)

The head is applied per step; the caller (``stepping.run``) stacks the T = 4 steps and
classifies by the sum over time, which equals the original "mean over tokens and time
-> Linear" up to the factor T and the bias, since Linear is affine. The same image is
the input of every step (static input).

Faithful: neuron semantics, SPS/RPE structure, SSA without softmax, (Q K^T) V order,
0.125 scale, attention threshold 0.5, spike-add residuals, mean-token head.
Simplified or assumed (see docs/zoo.md):

- Sizes: the seeds.md toy (dim 32, 2 heads of 16, 1 block, MLP ratio 4, 16x16 input).
- SCS: the Spikformer V2 code is not public (ZK-Zhou/spikformer's README: "The
  Spikformer V2 code will be released after it organized"); the paper describes the SCS
  as a spiking convolutional stem of supplementary convolutional layers before the SPS.
  The toy's stem is therefore an assumption: two CBL3x3 layers (2->4->4) at full
  resolution, after which the SPS's first conv takes 4 channels instead of the image's 2.
- All Conv1d are bias-free (the original's MLP and proj Conv1d have a bias; each is
  followed by BatchNorm, whose shift absorbs it in eval mode).
- Per step there is one BatchNorm call per layer, so training statistics are per step
  instead of over the flattened (T x B) batch (identical in eval mode).
- The LIF surrogate is SpikingJelly's default Sigmoid (the original's too);
  ``detach_reset=True`` as in the original (gradient only).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from snncompile.zoo.neurons import sj_lif
from snncompile.zoo.stepping import WEIGHTS, load_weights

LifFactory = Callable[[float], nn.Module]


class ConvBNLIF(nn.Module):
    """Conv3x3 (no bias, same padding) -> BatchNorm2d -> LIF."""

    def __init__(self, cin: int, cout: int, lif: LifFactory, threshold: float = 1.0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.lif = lif(threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lif(self.bn(self.conv(x)))


class Conv1dBNLIF(nn.Module):
    """Conv1d k=1 (no bias) -> BatchNorm1d -> LIF on (batch, C, N) tokens."""

    def __init__(self, cin: int, cout: int, lif: LifFactory, threshold: float = 1.0) -> None:
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm1d(cout)
        self.lif = lif(threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lif(self.bn(self.conv(x)))


class SCS(nn.Module):
    """Spiking convolutional stem (assumed layout, see the module docstring)."""

    def __init__(self, cin: int, cout: int, lif: LifFactory) -> None:
        super().__init__()
        self.conv0 = ConvBNLIF(cin, cout, lif)
        self.conv1 = ConvBNLIF(cout, cout, lif)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv1(self.conv0(x))


class SPS(nn.Module):
    """Spiking patch splitting + relative position embedding: (C, H, W) -> (dim, N)."""

    def __init__(self, cin: int, dim: int, lif: LifFactory) -> None:
        super().__init__()
        self.stage0 = ConvBNLIF(cin, dim // 8, lif)
        self.stage1 = ConvBNLIF(dim // 8, dim // 4, lif)
        self.stage2 = ConvBNLIF(dim // 4, dim // 2, lif)
        self.pool2 = nn.MaxPool2d(3, stride=2, padding=1)
        self.stage3 = ConvBNLIF(dim // 2, dim, lif)
        self.pool3 = nn.MaxPool2d(3, stride=2, padding=1)
        self.rpe = ConvBNLIF(dim, dim, lif)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool2(self.stage2(self.stage1(self.stage0(x))))
        x = self.pool3(self.stage3(x))
        x = x + self.rpe(x)
        return x.flatten(2)


class SSA(nn.Module):
    """Spiking self-attention on (batch, C, N); ``query`` transforms Q per head (B, H, N, d)."""

    def __init__(self, dim: int, heads: int, tokens: int, scale: float, lif: LifFactory,
                 attn_threshold: float, query: nn.Module | None = None) -> None:
        super().__init__()
        self.dim, self.heads, self.tokens, self.scale = dim, heads, tokens, scale
        self.q = Conv1dBNLIF(dim, dim, lif)
        self.k = Conv1dBNLIF(dim, dim, lif)
        self.v = Conv1dBNLIF(dim, dim, lif)
        self.query = query  # None: Q is used as it is (no Identity node in a trace)
        self.attn_lif = lif(attn_threshold)
        self.proj = Conv1dBNLIF(dim, dim, lif)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, N) -> (B, H, N, C/H), as the original: transpose, reshape, permute."""
        return x.transpose(-1, -2).reshape(-1, self.tokens, self.heads,
                                           self.dim // self.heads).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.split_heads(self.q(x))
        if self.query is not None:
            q = self.query(q)
        k = self.split_heads(self.k(x))
        v = self.split_heads(self.v(x))
        a = ((q @ k.transpose(-2, -1)) @ v) * self.scale
        a = a.transpose(2, 3).reshape(-1, self.dim, self.tokens)
        return self.proj(self.attn_lif(a))


class MLP(nn.Module):
    """Two Conv1d k=1 -> BN1d -> LIF layers, dim -> ratio * dim -> dim."""

    def __init__(self, dim: int, hidden: int, lif: LifFactory) -> None:
        super().__init__()
        self.fc1 = Conv1dBNLIF(dim, hidden, lif)
        self.fc2 = Conv1dBNLIF(hidden, dim, lif)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x))


class Block(nn.Module):
    """x = x + SSA(x); x = x + MLP(x) (spike-add residuals)."""

    def __init__(self, attn: SSA, mlp: MLP) -> None:
        super().__init__()
        self.attn, self.mlp = attn, mlp

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        return x + self.mlp(x)


class Spikformer(nn.Module):
    """Toy A, one step per call: (batch, 2, 16, 16) -> (batch, 10) per-step logits."""

    steps = 4

    def __init__(self, in_channels: int = 2, stem_channels: int = 4, dim: int = 32,
                 heads: int = 2, mlp_ratio: int = 4, classes: int = 10, image: int = 16,
                 scale: float = 0.125, attn_threshold: float = 0.5,
                 lif: LifFactory = sj_lif, query: nn.Module | None = None) -> None:
        super().__init__()
        tokens = (image // 4) ** 2
        self.stem = SCS(in_channels, stem_channels, lif)
        self.sps = SPS(stem_channels, dim, lif)
        attn = SSA(dim, heads, tokens, scale, lif, attn_threshold, query)
        self.block = Block(attn, MLP(dim, mlp_ratio * dim, lif))
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block(self.sps(self.stem(x)))
        return self.head(x.mean(2))


def load_spikformer(path: str | Path | None = None, dtype: torch.dtype = torch.float64) -> Spikformer:
    """Toy A with its trained weights (``weights/spikformer.npz``), eval mode."""
    model = Spikformer().to(dtype)
    return load_weights(model, path or WEIGHTS / "spikformer.npz")  # type: ignore[return-value]

"""Toy C: SpikMamba (Chen et al., 2024), one event frame per call.

Sources: Typistchen/SpikMamba ``model/model_spikamamb_sla_8frame.py`` (``PatchEmbed``,
``LinearAttention``, ``MLLABlock``) and state-spaces/mamba (``mamba_ssm/modules/
mamba_simple.py`` ``Mamba``; ``mamba_ssm/ops/selective_scan_interface.py``
``selective_scan_ref``). Per step, ``x`` is one frame (2, 1, 16, 16) = (C, D=1, H, W);
n = 16 tokens of width c = 32; only two places spike (SpikingJelly LIF, as toy A)::

    PatchEmbed:  e = Conv3d(2->32, kernel = stride = (1,4,4))(x)      (32, 1, 4, 4)
                 x = LIF(BN1d_tokens(e as (n, c)))                    BN over the TOKEN axis
    LA block:    r = SiLU(act_proj(LN1(x)));  u = SiLU(DWConv3x3(in_proj(LN1(x))))
                 q, k = split(LIF(BN1d_tokens(Linear(c->2c)(u))));  v = u    (spiking Q, K)
                 q, k = ELU(q) + 1, ELU(k) + 1;  per head (2 heads of 16):
                 z = 1 / (q . mean_n(k) + 1e-6);  kv = (k^T n^-1/2) @ (v n^-1/2)
                 a = (q @ kv) * z + DWConv3x3_lepe(v)
                 x = x + out_proj(a * r);  x = x + Linear(GELU(Linear(LN2(x))))
    Mamba block: x = x + Mamba(RMSNorm(x))   (d_model 32, d_state 4, d_conv 4, expand 2)
    head:        y_t = Linear(32->10)(mean over tokens of LN_f(x))

Mamba (``Mamba.forward``, slow path): ``xz = in_proj(h)`` (bias-free) split into
``x, z`` (64 each); ``x = SiLU(causal depthwise Conv1d_k4(x))`` over the 16 tokens;
``(dt, B, C) = split(x_proj(x), [2, 4, 4])``; ``dt = dt_proj.weight @ dt`` (its bias is
the scan's ``delta_bias``); ``y = SelectiveScan(x, dt, B, C)`` (snncompile's own
:class:`snncompile.nn.SelectiveScan`, Mamba's ``selective_scan_ref`` equation); ``out = out_proj(y *
SiLU(z))``. The scan runs over the tokens of the current frame, from a zero state (the
released code's blocks see each frame's tokens as one sequence).

Faithful: the spiking patch embedding with BatchNorm over tokens, spiking Q/K with
real V, ELU + 1, the normaliser z, the n^-1/2 scalings, LePE, the MLLA gating, the
Mamba block and its parameter initialisation (A = -exp(A_log) with A_log = log(1..N),
D = 1, dt in [1e-3, 0.1] log-uniform through an inverse softplus).
Simplified (see docs/zoo.md):

- Neuron state runs over the T frames of ONE sample: the released code runs the LIFs
  (``MultiStepLIFNode``) over a tensor whose leading axis is batch x time, so membrane
  state leaks across frames AND across samples of a batch.
- No RoPE, no cls token, no positional or temporal embeddings, no CPE convolutions, one
  block of each kind instead of the released ``mlla_depths=[2]`` stack and Mamba layers.
- As coded, ``MLLABlock`` applies ``act_proj`` twice (``x = act_proj(x)`` then
  ``act_res = SiLU(act_proj(x))``, and ``in_proj`` sees ``act_proj(x)``); the toy applies
  it once.
- RMSNorm is ``nn.RMSNorm`` (Mamba's own is a fused Triton kernel of the same equation).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from snncompile.nn import SelectiveScan  # noqa: F401  (the one selective scan; the tracer maps it)
from snncompile.zoo.neurons import sj_lif
from snncompile.zoo.stepping import WEIGHTS, load_weights


class Mamba(nn.Module):
    """Plain-PyTorch Mamba mixer on (batch, L, d_model) (``Mamba.forward`` slow path)."""

    def __init__(self, d_model: int = 32, d_state: int = 4, d_conv: int = 4, expand: int = 2,
                 tokens: int = 16) -> None:
        super().__init__()
        d_inner = expand * d_model
        self.dt_rank = math.ceil(d_model / 16)
        self.d_state, self.tokens = d_state, tokens
        self.in_proj = nn.Linear(d_model, 2 * d_inner, bias=False)
        self.conv1d = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner, padding=d_conv - 1)
        self.x_proj = nn.Linear(d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, d_inner, bias=False)
        nn.init.uniform_(self.dt_proj.weight, -self.dt_rank ** -0.5, self.dt_rank ** -0.5)
        self.scan = SelectiveScan(d_inner, d_state)
        self.out_proj = nn.Linear(d_inner, d_model, bias=False)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        x, z = self.in_proj(h).chunk(2, dim=-1)
        x = self.conv1d(x.transpose(1, 2))[..., : self.tokens].transpose(1, 2)
        x = F.silu(x)
        dt, B, C = torch.split(self.x_proj(x), [self.dt_rank, self.d_state, self.d_state], dim=-1)
        y = self.scan(x, self.dt_proj(dt), B, C)
        return self.out_proj(y * F.silu(z))


class PatchEmbed(nn.Module):
    """Conv3d (1,p,p) patches -> (tokens, C) -> BatchNorm1d over tokens -> LIF."""

    def __init__(self, cin: int = 2, dim: int = 32, patch: int = 4, tokens: int = 16) -> None:
        super().__init__()
        self.proj = nn.Conv3d(cin, dim, kernel_size=(1, patch, patch), stride=(1, patch, patch))
        self.bn = nn.BatchNorm1d(tokens)
        self.lif = sj_lif()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.proj(x).permute(0, 2, 3, 4, 1).flatten(1, 3)
        return self.lif(self.bn(e))


class LinearAttention(nn.Module):
    """SpikMamba's linear attention with spiking Q/K, LePE, no RoPE, on (batch, n, c)."""

    def __init__(self, dim: int = 32, heads: int = 2, side: int = 4) -> None:
        super().__init__()
        self.dim, self.heads, self.side, self.tokens = dim, heads, side, side * side
        self.qk = nn.Linear(dim, 2 * dim)
        self.qk_bn = nn.BatchNorm1d(self.tokens)
        self.qk_lif = sj_lif()
        self.elu = nn.ELU()
        self.lepe = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def per_head(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(-1, self.tokens, self.heads, self.dim // self.heads).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.tokens
        q, k = self.qk_lif(self.qk_bn(self.qk(x))).chunk(2, dim=-1)
        q = self.per_head(self.elu(q) + 1.0)
        k = self.per_head(self.elu(k) + 1.0)
        v = self.per_head(x)
        z = 1 / (q @ k.mean(dim=-2, keepdim=True).transpose(-2, -1) + 1e-6)
        kv = (k.transpose(-2, -1) * n ** -0.5) @ (v * n ** -0.5)
        a = (q @ kv * z).transpose(1, 2).reshape(-1, n, self.dim)
        v_img = v.transpose(1, 2).reshape(-1, self.side, self.side, self.dim).permute(0, 3, 1, 2)
        return a + self.lepe(v_img).permute(0, 2, 3, 1).reshape(-1, n, self.dim)


class LABlock(nn.Module):
    """MLLA block around the linear attention (gated, depthwise conv, FFN), no CPE."""

    def __init__(self, dim: int = 32, heads: int = 2, side: int = 4, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.dim, self.side, self.tokens = dim, side, side * side
        self.norm1 = nn.LayerNorm(dim)
        self.act_proj = nn.Linear(dim, dim)
        self.in_proj = nn.Linear(dim, dim)
        self.dwc = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.attn = LinearAttention(dim, heads, side)
        self.out_proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_ratio * dim)
        self.fc2 = nn.Linear(mlp_ratio * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        gate = F.silu(self.act_proj(h))
        u = self.in_proj(h).reshape(-1, self.side, self.side, self.dim).permute(0, 3, 1, 2)
        u = F.silu(self.dwc(u)).permute(0, 2, 3, 1).reshape(-1, self.tokens, self.dim)
        x = x + self.out_proj(self.attn(u) * gate)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class SpikMamba(nn.Module):
    """Toy C, one frame per call: (batch, 2, 1, 16, 16) -> (batch, 10) per-step logits."""

    steps = 4

    def __init__(self, dim: int = 32, classes: int = 10) -> None:
        super().__init__()
        self.embed = PatchEmbed(dim=dim)
        self.la = LABlock(dim)
        self.norm_m = nn.RMSNorm(dim, eps=1e-5)
        self.mamba = Mamba(dim)
        self.norm_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.la(self.embed(x))
        x = x + self.mamba(self.norm_m(x))
        return self.head(self.norm_f(x).mean(1))


def load_spikmamba(path: str | Path | None = None, dtype: torch.dtype = torch.float64) -> SpikMamba:
    """Toy C with its trained weights (``weights/spikmamba.npz``), eval mode."""
    model = SpikMamba().to(dtype)
    return load_weights(model, path or WEIGHTS / "spikmamba.npz")  # type: ignore[return-value]

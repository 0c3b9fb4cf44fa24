"""Reference kernels of the host operations (:mod:`snncompile.ir.host` and its siblings),
batched, in the simulator's dtype (float64 by default). Each mirrors its node's docstring
equation; where PyTorch has the operation, the kernel is PyTorch's own (the definition
the traced models are compared with).

Tensors here are (batch, *per-sample shape), so a per-sample axis ``a`` is tensor axis
``a + 1``. Where per-sample shapes broadcast (``MatMul``, ``Mul``, ``Div``), operands of
different rank get singleton axes right after the batch axis, so that the batch axis is
never broadcast against a per-sample axis.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from snncompile.ir.host import Div, LayerNorm, MatMul, Mean, Mul, Quantize, RMSNorm
from snncompile.ir.host_activation import ELU, GELU, Exp, ReLU, Sigmoid, Sign, SiLU, Softplus
from snncompile.ir.host_scan import SelectiveScan
from snncompile.ir.host_tensor import Concat, Expand, Permute, Reshape, Slice
from snncompile.ir.node import SUM
from snncompile.nn.scan import selective_scan
from snncompile.simulate.kernels import FunctionKernel, Kernel, builds


def align_rank(x: torch.Tensor, rank: int) -> torch.Tensor:
    """``x`` (batch, *s) with singleton axes inserted after the batch axis up to
    ``1 + rank`` axes (per-sample leading axes then broadcast as NumPy would)."""
    missing = rank + 1 - x.dim()
    return x.reshape(x.shape[0], *([1] * missing), *x.shape[1:]) if missing > 0 else x


def _tensor(array, dtype: torch.dtype) -> torch.Tensor | None:
    return None if array is None else torch.as_tensor(array, dtype=dtype)


def _binary(fn):
    def build(node, shapes, dtype):
        rank = max(len(shapes["a"]), len(shapes["b"]))
        return FunctionKernel(lambda a, b: fn(align_rank(a, rank), align_rank(b, rank)))

    return build


builds(MatMul)(_binary(torch.matmul))
builds(Mul)(_binary(torch.mul))
builds(Div)(_binary(torch.div))


def sample_axes(axes: tuple[int, ...], ndim: int) -> list[int]:
    """Per-sample axes (negative allowed) as axes of the batched tensor."""
    return [a % ndim + 1 for a in axes]


@builds(Mean)
def _mean(node, shapes, dtype):
    dims = sample_axes(node.axes, len(shapes[SUM]))
    return FunctionKernel(lambda x: torch.mean(x, dim=dims, keepdim=node.keepdim))


@builds(LayerNorm)
def _layer_norm(node, shapes, dtype):
    w, b = _tensor(node.weight, dtype), _tensor(node.bias, dtype)
    return FunctionKernel(lambda x: F.layer_norm(x, node.normalized_shape, w, b, node.eps))


@builds(RMSNorm)
def _rms_norm(node, shapes, dtype):
    w = _tensor(node.weight, dtype)
    return FunctionKernel(lambda x: F.rms_norm(x, node.normalized_shape, w, node.eps))


_ACTIVATIONS = {ReLU: F.relu, Sigmoid: torch.sigmoid, SiLU: F.silu, Exp: torch.exp, Sign: torch.sign}


@builds(*_ACTIVATIONS)
def _activation(node, shapes, dtype):
    return FunctionKernel(_ACTIVATIONS[type(node)])


@builds(GELU)
def _gelu(node, shapes, dtype):
    return FunctionKernel(lambda x: F.gelu(x, approximate=node.approximate.value))


@builds(ELU)
def _elu(node, shapes, dtype):
    return FunctionKernel(lambda x: F.elu(x, alpha=node.alpha))


@builds(Softplus)
def _softplus(node, shapes, dtype):
    return FunctionKernel(lambda x: F.softplus(x, beta=node.beta, threshold=node.threshold))


@builds(Permute)
def _permute(node, shapes, dtype):
    dims = [0, *(p + 1 for p in node.perm)]
    return FunctionKernel(lambda x: x.permute(dims))


@builds(Reshape)
def _reshape(node, shapes, dtype):
    return FunctionKernel(lambda x: x.reshape(x.shape[0], *node.shape))


@builds(Expand)
def _expand(node, shapes, dtype):
    rank = len(node.shape)
    return FunctionKernel(lambda x: align_rank(x, rank).expand(x.shape[0], *node.shape))


@builds(Concat)
def _concat(node, shapes, dtype):
    ports, dim = node.ports, node.axis % len(shapes[node.ports[0]]) + 1
    return FunctionKernel(lambda **x: torch.cat([x[p] for p in ports], dim=dim))


@builds(Slice)
def _slice(node, shapes, dtype):
    dim = node.axis % len(shapes[SUM]) + 1
    index = torch.arange(node.start, node.stop, node.step)
    return FunctionKernel(lambda x: x.index_select(dim, index))


@builds(SelectiveScan)
def _selective_scan(node, shapes, dtype):
    A = torch.as_tensor(node.A, dtype=dtype)
    D, bias = _tensor(node.D, dtype), _tensor(node.delta_bias, dtype)
    return FunctionKernel(lambda x, delta, B, C: selective_scan(x, delta, A, B, C, D, bias, node.delta_softplus))


class QuantizeKernel(Kernel):
    """Payloads ``clip(round(x * scale))`` from step ``start`` on, zeros before."""

    def __init__(self, node: Quantize, dtype: torch.dtype):
        self.lo, self.hi = node.limits()
        self.scale = torch.as_tensor(node.scale, dtype=dtype)
        self.start = node.start

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.t = 0

    def step(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.clamp(torch.round(x * self.scale), self.lo, self.hi)
        self.t += 1
        return y if self.t > self.start else torch.zeros_like(y)


@builds(Quantize)
def _quantize(node, shapes, dtype):
    return QuantizeKernel(node, dtype)

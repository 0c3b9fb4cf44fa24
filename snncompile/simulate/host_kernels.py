"""Reference kernels of the host operations (:mod:`snncompile.ir.host`), batched, in the
simulator's dtype (float64 by default). Each mirrors its node's docstring equation.

Tensors here are (batch, *per-sample shape). Where per-sample leading axes broadcast
(``MatMul``), operands of different rank get singleton axes right after the batch axis,
so that the batch axis is never broadcast against a per-sample axis.
"""

from __future__ import annotations

import torch

from snncompile.ir.host import MatMul, Quantize
from snncompile.simulate.kernels import FunctionKernel, builds


def align_rank(x: torch.Tensor, rank: int) -> torch.Tensor:
    """``x`` (batch, *s) with singleton axes inserted after the batch axis up to
    ``1 + rank`` axes (per-sample leading axes then broadcast as NumPy would)."""
    missing = rank + 1 - x.dim()
    return x.reshape(x.shape[0], *([1] * missing), *x.shape[1:]) if missing > 0 else x


@builds(MatMul)
def _matmul(node, shapes, dtype):
    rank = max(len(shapes["a"]), len(shapes["b"]))
    return FunctionKernel(lambda a, b: torch.matmul(align_rank(a, rank), align_rank(b, rank)))


@builds(Quantize)
def _quantize(node, shapes, dtype):
    lo, hi = node.limits()
    scale = torch.as_tensor(node.scale, dtype=dtype)
    return FunctionKernel(lambda x: torch.clamp(torch.round(x * scale), lo, hi))

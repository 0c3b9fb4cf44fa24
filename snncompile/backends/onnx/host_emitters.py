"""ONNX emitters of the host operations (:mod:`snncompile.ir.host`); each mirrors the
reference kernel in :mod:`snncompile.simulate.host_kernels` operation by operation."""

from __future__ import annotations

from snncompile.backends.onnx.builder import Builder
from snncompile.backends.onnx.emitters import emits
from snncompile.ir.host import MatMul, Quantize


def align_rank(b: Builder, x: str, shape: tuple[int, ...], rank: int, hint: str) -> str:
    """Singleton axes after the batch axis up to ``rank`` per-sample axes (as the kernel)."""
    missing = rank - len(shape)
    if missing <= 0:
        return x
    return b.op("Unsqueeze", [x, b.ints(list(range(1, 1 + missing)), f"{hint}/axes")], hint)


@emits(MatMul)
def _matmul(b, name, node: MatMul, x, in_shape, states):
    rank = max(len(in_shape["a"]), len(in_shape["b"]))
    a = align_rank(b, x["a"], in_shape["a"], rank, name)
    m = align_rank(b, x["b"], in_shape["b"], rank, name)
    return b.op("MatMul", [a, m], name)


@emits(Quantize)
def _quantize(b, name, node: Quantize, x, in_shape, states):
    """ONNX Round is ties-to-even, as torch.round."""
    lo, hi = node.limits()
    scaled = b.op("Round", [b.op("Mul", [x, b.const(node.scale, f"{name}/scale")], name)], name)
    return b.op("Clip", [scaled, b.const(lo, f"{name}/lo"), b.const(hi, f"{name}/hi")], name)

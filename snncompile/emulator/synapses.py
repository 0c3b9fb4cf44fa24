"""Synapse nodes as source-indexed CSR matrices (the event-driven form).

A FixedLinear is its effective weight matrix; a FixedConv2d is unrolled into the
equivalent sparse matrix over flat (C, H, W) indices (PyTorch cross-correlation with zero
padding), so both run through the same kernel. Zero weights are dropped: a synapse of
weight 0 does nothing on the chip either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.ir import Shape
from snncompile.ir.fixed import FixedConv2d, FixedLinear, FixedSynapse


@dataclass
class CSR:
    """Rows are source neurons: synapse j of row i goes to ``indices[j]`` with
    ``weights[j]`` after ``delays[j]`` extra steps."""

    n_in: int
    n_out: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    delays: np.ndarray

    @property
    def max_delay(self) -> int:
        return int(self.delays.max()) if self.delays.size else 0

    @property
    def nnz(self) -> int:
        return int(self.indices.size)


def synapse_triplets(node: FixedSynapse, in_shape: Shape) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(dst, src, weight, delay) of every synapse with a nonzero effective weight."""
    w = node.effective_weight()
    if isinstance(node, FixedLinear):
        dst, src = np.nonzero(w)
        delays = node.delays[dst, src] if node.delays is not None else np.zeros(dst.size, np.int64)
        return dst, src, w[dst, src], delays
    if isinstance(node, FixedConv2d):
        dst, src, wv = _conv_triplets(node, w, in_shape)
        return dst, src, wv, np.zeros(dst.size, np.int64)
    raise TypeError(f"not a synapse node: {node.kind}")


def _conv_triplets(node: FixedConv2d, w: np.ndarray, in_shape: Shape):
    c_in, h, wid = in_shape
    c_out, c_grp, kh, kw = w.shape
    _, ho, wo = node.output_shape(in_shape)
    (sy, sx), (py, px), (dy, dx) = node.stride, node.padding, node.dilation
    out_per_group = c_out // node.groups
    co, ci, ky, kx, yo, xo = np.meshgrid(
        np.arange(c_out), np.arange(c_grp), np.arange(kh), np.arange(kw), np.arange(ho), np.arange(wo),
        indexing="ij",
    )
    yi = yo * sy - py + ky * dy
    xi = xo * sx - px + kx * dx
    cin = (co // out_per_group) * c_grp + ci
    weight = w[co, ci, ky, kx]
    keep = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < wid) & (weight != 0)
    dst = (co * ho + yo) * wo + xo
    src = (cin * h + yi) * wid + xi
    return dst[keep], src[keep], weight[keep]


def build_csr(node: FixedSynapse, in_shape: Shape, out_size: int, extra_delay: int = 0) -> CSR:
    dst, src, weight, delays = synapse_triplets(node, in_shape)
    n_in = int(np.prod(in_shape))
    order = np.lexsort((dst, src))
    counts = np.bincount(src, minlength=n_in)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return CSR(
        n_in=n_in,
        n_out=out_size,
        indptr=indptr,
        indices=dst[order].astype(np.int64),
        weights=weight[order].astype(np.int64),
        delays=(delays[order] + extra_delay).astype(np.int64),
    )

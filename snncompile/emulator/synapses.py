"""Synapse nodes as source-indexed CSR matrices (the event-driven form).

A FixedLinear is its effective weight matrix, transposed (block-diagonal over leading
axes of its input: the same matrix for every leading index); a FixedConv2d is unrolled
into the equivalent sparse matrix over flat (C, H, W) indices (PyTorch cross-correlation
with zero padding), a FixedConv1d likewise over (C, L) as a (C, L, 1) convolution, so all
run through the same kernel. Zero weights are dropped: a synapse of weight 0 does nothing
on the chip either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from snncompile.ir import Shape
from snncompile.ir.fixed import FixedConv1d, FixedConv2d, FixedLinear, FixedSynapse


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


def build_csr(node: FixedSynapse, in_shape: Shape, out_size: int, extra_delay: int = 0) -> CSR:
    n_in = int(np.prod(in_shape))
    if isinstance(node, FixedConv1d):
        return build_csr(node.as_conv2d(), (*in_shape, 1), out_size, extra_delay)
    if isinstance(node, FixedConv2d):
        indptr, indices, weights = _conv_csr(node, in_shape)
        return CSR(n_in, out_size, indptr, indices, weights, np.full(indices.size, extra_delay, np.int64))
    assert isinstance(node, FixedLinear)
    wt = np.ascontiguousarray(node.effective_weight().T)  # rows = sources
    src, dst = np.nonzero(wt)  # row-major: already grouped by source
    delays = node.delays.T[src, dst] if node.delays is not None else np.zeros(src.size, np.int64)
    weights = wt[src, dst]
    lead = n_in // wt.shape[0]  # leading axes: one copy of the matrix per leading index
    if lead > 1:
        n_i, n_o = wt.shape
        block = np.arange(lead, dtype=np.int64)[:, None]
        src = (block * n_i + src[None, :]).ravel()
        dst = (block * n_o + dst[None, :]).ravel()
        weights, delays = np.tile(weights, lead), np.tile(delays, lead)
    counts = np.bincount(src, minlength=n_in)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return CSR(
        n_in=n_in,
        n_out=out_size,
        indptr=indptr,
        indices=dst.astype(np.int64),
        weights=weights.astype(np.int64),
        delays=(delays + extra_delay).astype(np.int64),
    )


def _conv_csr(node: FixedConv2d, in_shape: Shape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source-indexed CSR of a convolution, built directly (no dense index grids: a
    100k-neuron network has ~10^7 synapses)."""
    _, ho, wo = node.output_shape(in_shape)
    args = (node.effective_weight().astype(np.int64), *in_shape, ho, wo, *node.stride, *node.padding,
            *node.dilation, node.groups)
    counts = np.zeros(int(np.prod(in_shape)), np.int64)
    _conv_rows(*args, counts, counts, counts, counts, True)  # type: ignore[call-arg]
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = np.empty(int(indptr[-1]), np.int64)
    weights = np.empty(int(indptr[-1]), np.int64)
    _conv_rows(*args, counts, indptr, indices, weights, False)  # type: ignore[call-arg]
    return indptr, indices, weights


@njit(cache=True)
def _conv_rows(w, c_in, h, wd, ho, wo, sy, sx, py, px, dy, dx, groups, counts, indptr, indices, weights,
               count_only):
    """For every input (c, y, x): the outputs (co, yo, xo) with ``yo*sy - py + ky*dy == y``
    (same for x) and a nonzero weight. First pass counts, second fills."""
    c_out, c_grp, kh, kw = w.shape
    per_group = c_out // groups
    for c in range(c_in):
        g = c // c_grp
        cl = c - g * c_grp
        for y in range(h):
            for x in range(wd):
                src = (c * h + y) * wd + x
                k = 0 if count_only else indptr[src]
                n = 0
                for co in range(g * per_group, (g + 1) * per_group):
                    for ky in range(kh):
                        ny = y + py - ky * dy
                        if ny < 0 or ny % sy != 0 or ny // sy >= ho:
                            continue
                        yo = ny // sy
                        for kx in range(kw):
                            nx = x + px - kx * dx
                            if nx < 0 or nx % sx != 0 or nx // sx >= wo:
                                continue
                            wv = w[co, cl, ky, kx]
                            if wv == 0:
                                continue
                            if not count_only:
                                indices[k + n] = (co * ho + yo) * wo + nx // sx
                                weights[k + n] = wv
                            n += 1
                if count_only:
                    counts[src] = n

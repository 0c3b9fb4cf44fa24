"""Synapse nodes as source-indexed CSR matrices (the event-driven form).

A FixedLinear is its effective weight matrix, transposed (block-diagonal over leading
axes of its input: the same matrix for every leading index); a FixedConv2d is unrolled
into the equivalent sparse matrix over flat (C, H, W) indices (PyTorch cross-correlation
with zero padding), a FixedConv1d likewise over (C, L) as a (C, L, 1) convolution, so all
run through the same kernel. Zero weights are dropped: a synapse of weight 0 does nothing
on the chip either. This is the step-wise runner's form (it serves the cycle model);
the compiled loop keeps convolutions as shared kernels (:mod:`snncompile.emulator.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from snncompile.ir import Shape
from snncompile.ir.fixed import FixedConv1d, FixedConv2d, FixedLinear, FixedSynapse


@dataclass
class CSR:
    """Rows are source neurons: synapse j of row i goes to ``indices[j]`` (int32) with
    ``weights[j]`` (the narrowest integer type holding them) after ``delays[j]`` (uint8)
    extra steps; ``delays`` is empty when every delay is 0."""

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


def narrow_dtype(lo: int, hi: int) -> np.dtype:
    """The narrowest of int8/int16/int32/int64 holding ``[lo, hi]``."""
    return next(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64)
                if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max)


def build_csr(node: FixedSynapse, in_shape: Shape, out_size: int) -> CSR:
    """The synapses of ``node`` as one CSR matrix over flat input and output indices
    (convolutions unrolled, leading axes of a FixedLinear as copies of its matrix),
    written straight into the narrow arrays."""
    n_in = int(np.prod(in_shape))
    if isinstance(node, FixedConv1d):
        return build_csr(node.as_conv2d(), (*in_shape, 1), out_size)
    w = node.effective_weight()
    wdtype = narrow_dtype(int(w.min(initial=0)), int(w.max(initial=0)))
    if isinstance(node, FixedConv2d):
        indptr, indices, weights = _conv_csr(node, w, in_shape, wdtype)
        return CSR(n_in, out_size, indptr, indices, weights, np.zeros(0, np.uint8))
    assert isinstance(node, FixedLinear)
    wt = np.ascontiguousarray(w.T)  # rows = sources
    lead = n_in // wt.shape[0]  # leading axes: one copy of the matrix per leading index
    counts = np.tile(np.count_nonzero(wt, axis=1), lead)
    indptr = np.zeros(n_in + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    nnz = int(indptr[-1])
    indices = np.empty(nnz, np.int32)
    weights = np.empty(nnz, wdtype)
    has_delays = node.delays is not None and bool(np.any(node.delays))
    delays = np.empty(nnz if has_delays else 0, np.uint8)
    dl = np.ascontiguousarray(node.delays.T) if has_delays else np.zeros((0, 0), np.int64)  # type: ignore[union-attr]
    _fill_blocks(wt, dl, lead, weights, indices, delays)
    return CSR(n_in, out_size, indptr, indices, weights, delays)


@njit(cache=True)
def _fill_blocks(wt, dl, lead, weights, indices, delays):
    """Nonzero synapses of ``kron(I_lead, wt)`` row by row (``wt``: sources x targets)."""
    k = 0
    n_i, n_o = wt.shape
    has_delays = dl.shape[0] > 0
    for blk in range(lead):
        for i in range(n_i):
            for j in range(n_o):
                if wt[i, j] != 0:
                    weights[k] = wt[i, j]
                    indices[k] = blk * n_o + j
                    if has_delays:
                        delays[k] = dl[i, j]
                    k += 1


def _conv_csr(node: FixedConv2d, w: np.ndarray, in_shape: Shape,
              wdtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source-indexed CSR of a convolution, built directly (no dense index grids: a
    100k-neuron network has ~10^7 synapses)."""
    _, ho, wo = node.output_shape(in_shape)
    args = (w, *in_shape, ho, wo, *node.stride, *node.padding, *node.dilation, node.groups)
    counts = np.zeros(int(np.prod(in_shape)), np.int64)
    _conv_rows(*args, counts, counts, np.zeros(0, np.int32), np.zeros(0, wdtype), True)  # type: ignore[call-arg]
    indptr = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), np.int32)
    weights = np.empty(int(indptr[-1]), wdtype)
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

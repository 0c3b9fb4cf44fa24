"""Compact synapse tables for the compiled loop (:mod:`snncompile.emulator.fused`).

Every synapse node becomes one of three layouts, chosen by :func:`layout_of`, all
indexed by *source* neuron (the work per step is spikes x fan-out):

- ``CONV``: a convolution is not unrolled. Its kernel, transposed to
  ``[c_in][ky][kx][c_out of the group]``, is the one table every position shares; two
  small geometry tables list, per input row ``y`` (column ``x``), the taps ``ky`` (``kx``)
  whose output row ``yo`` (column ``xo``) exists. A spike at ``(c, y, x)`` adds each such
  tap's weights to the contiguous output channels of ``(yo, xo)``: the accumulator of a
  convolution is channels-last, and the loop transposes it once per step when it hands
  the output on. Memory: the kernel and the geometry, whatever the number of synapses.
- ``DENSE``: a FixedLinear with at least :data:`DENSE_MIN_DENSITY` nonzero weights and no
  per-synapse delays keeps its matrix as dense rows (one row per input, zeros included:
  adding a whole row vectorises, where a sparse row is a scatter).
- ``CSR``: any other FixedLinear: per input, the column indices (int32) and weights of its
  nonzero synapses, and delays (uint8) only when it has them.

A FixedLinear over an input with leading axes is the same matrix for every leading index
(``kron(I, W)``): the table holds one block and the loop adds the block's offset.

Weights are stored narrow: ``w >> k`` with ``k`` the trailing zero bits all nonzero weights
share (a mixed-sign Loihi matrix always drops one bit, so its 9-bit weights fit int8),
in the narrowest integer type that holds every synapse's; ``k`` is added to the
synapse's output shift (``acc << (weight_exp + k)`` is exact: the int64 accumulator does
not overflow). The arrays are filled directly in their final types: nothing passes
through an int64 copy of the synapses.

Accumulators are int32 (twice the lanes of int64 in the vectorised adds, half the
cache) when they cannot overflow: binary spikes (no graded payloads) and, for every
target, the sum of ``|w >> k|`` over its synapses below ``2**31`` (each synapse adds to
a given step's accumulator at most once); otherwise int64 (``S_ACC32`` says which).

Per-synapse delays with a negative shift (``S_GROUPS`` > 0): the shift floors each
delay's partial sum separately, as Lava's DelayDense/DelaySparse do (``FixedLinear``'s
docstring), so the ring gets ``S_GROUPS`` = max delay + 1 more slots where one step's
sums are collected per delay before they are shifted into the arrival slots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from snncompile.emulator.synapses import narrow_dtype
from snncompile.ir import Shape
from snncompile.ir.fixed import FixedConv1d, FixedConv2d, FixedLinear, FixedSynapse

CSR, DENSE, CONV = 0, 1, 2
#: a FixedLinear at least this dense is stored as dense rows
DENSE_MIN_DENSITY = 0.2
# columns of the per-synapse table
(S_MODE, S_NIN, S_SLOTS, S_ACC, S_SHIFT, S_ACCBITS, S_GRADED, S_W, S_PTR, S_IDX, S_DLY, S_BIN, S_BOUT,
 S_H, S_W_IN, S_HO, S_WO, S_KH, S_KW, S_CGRP, S_PG, S_COUT, S_YT, S_XT, S_ACC32, S_GROUPS) = range(26)
WIDTH = 26


def layout_of(node: FixedSynapse) -> int:
    if isinstance(node, (FixedConv2d, FixedConv1d)):
        return CONV
    assert isinstance(node, FixedLinear)
    w = node.weight
    if node.delays is None and w.size and np.count_nonzero(w) >= DENSE_MIN_DENSITY * w.size:
        return DENSE
    return CSR


def common_shift(w: np.ndarray) -> int:
    """Trailing zero bits shared by every weight (0 when all are zero)."""
    bits = int(np.bitwise_or.reduce(np.abs(w).ravel())) if w.size else 0
    return (bits & -bits).bit_length() - 1 if bits else 0


@dataclass
class SynapseTables:
    """Concatenated tables of every synapse of a program, and one row per synapse."""

    rows: np.ndarray
    weights: np.ndarray
    ptr: np.ndarray
    indices: np.ndarray
    delays: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.weights.nbytes + self.ptr.nbytes + self.indices.nbytes + self.delays.nbytes)


def build_tables(synapses: list[tuple[FixedSynapse, Shape, int]]) -> SynapseTables:
    """Tables for ``(node, input shape, output size)`` in program order. Row fields that
    depend on the program (accumulator offset, slots) are filled by the caller."""
    plans = [_plan(node, shape, out) for node, shape, out in synapses]
    lo = min((int(p[1].min()) for p in plans if p[1].size), default=0)
    hi = max((int(p[1].max()) for p in plans if p[1].size), default=0)
    wdtype = narrow_dtype(lo, hi)
    n_w = sum(p[2]["n_w"] for p in plans)
    n_ptr = sum(p[2]["n_ptr"] for p in plans)
    n_idx = sum(p[2]["n_idx"] for p in plans)
    n_dly = sum(p[2]["n_dly"] for p in plans)
    weights = np.zeros(max(n_w, 1), wdtype)
    ptr = np.zeros(max(n_ptr, 1), np.int64)
    indices = np.zeros(max(n_idx, 1), np.int32)
    delays = np.zeros(max(n_dly, 1), np.uint8)
    rows = np.zeros((len(plans), WIDTH), np.int64)
    ow = op = oi = od = 0
    for k, (row, _, sizes, fill) in enumerate(plans):
        row[S_W], row[S_PTR], row[S_IDX], row[S_DLY] = ow, op, oi, (od if sizes["n_dly"] else -1)
        fill(weights[ow:ow + sizes["n_w"]], ptr[op:op + sizes["n_ptr"]], indices[oi:oi + sizes["n_idx"]],
             delays[od:od + sizes["n_dly"]])
        rows[k] = row
        ow, op, oi, od = ow + sizes["n_w"], op + sizes["n_ptr"], oi + sizes["n_idx"], od + sizes["n_dly"]
    return SynapseTables(rows, weights, ptr, indices, delays)


def _plan(node: FixedSynapse, in_shape: Shape, out_size: int):
    """(row, shifted weights, sizes, fill): what a synapse needs and how to write it."""
    if isinstance(node, FixedConv1d):
        return _plan(node.as_conv2d(), (*in_shape, 1), out_size)
    w = node.effective_weight()
    k = common_shift(w)
    w = w >> k
    row = [0] * WIDTH
    row[S_MODE] = layout_of(node)
    row[S_NIN] = int(np.prod(in_shape))
    row[S_SHIFT] = node.weight_exp + k
    row[S_ACCBITS] = node.accum_bits
    row[S_GRADED] = int(node.num_message_bits > 0)
    row[S_SLOTS] = 1
    # per target, the largest possible sum of |weights| (a convolution's taps bound its outputs)
    sums = np.abs(w).reshape(w.shape[0], -1).sum(axis=1) if w.size else np.zeros(1, np.int64)
    row[S_ACC32] = int(not row[S_GRADED] and int(sums.max(initial=0)) < 2**31)
    if isinstance(node, FixedConv2d):
        return _plan_conv(node, w, in_shape, row)
    n_o, n_i = w.shape
    row[S_BIN], row[S_BOUT] = n_i, n_o
    wt = np.ascontiguousarray(w.T)  # rows = sources
    if row[S_MODE] == DENSE:
        def fill_dense(weights, ptr, indices, delays):
            weights[:] = wt.ravel()
            ptr[:] = np.count_nonzero(wt, axis=1)

        return row, w, {"n_w": wt.size, "n_ptr": n_i, "n_idx": 0, "n_dly": 0}, fill_dense
    counts = np.count_nonzero(wt, axis=1)
    nnz = int(counts.sum())
    assert isinstance(node, FixedLinear)
    dl = None if node.delays is None else np.ascontiguousarray(node.delays.T)
    if dl is not None:
        row[S_SLOTS] = int(dl[wt != 0].max(initial=0)) + 1
        row[S_GROUPS] = row[S_SLOTS] if row[S_SHIFT] < 0 else 0

    def fill_csr(weights, ptr, indices, delays):
        ptr[0] = 0
        np.cumsum(counts, out=ptr[1:])
        _fill_csr(wt, dl if dl is not None else np.zeros((0, 0), np.int64), weights, indices, delays)

    sizes = {"n_w": nnz, "n_ptr": n_i + 1, "n_idx": nnz, "n_dly": nnz if dl is not None else 0}
    return row, w, sizes, fill_csr


def _plan_conv(node: FixedConv2d, w: np.ndarray, in_shape: Shape, row: list[int]):
    c_out, c_grp, kh, kw = w.shape
    _, ho, wo = node.output_shape(in_shape)
    pg = c_out // node.groups
    c_in, h, wd = in_shape
    row[S_H], row[S_W_IN], row[S_HO], row[S_WO], row[S_KH], row[S_KW] = h, wd, ho, wo, kh, kw
    row[S_CGRP], row[S_PG], row[S_COUT] = c_grp, pg, c_out
    row[S_BIN], row[S_BOUT] = c_in * h * wd, c_out * ho * wo  # one block: the whole image
    # [c][ky][kx][co within the group]: input channel c = g * c_grp + cl uses out channels g*pg ...
    table = w.reshape(node.groups, pg, c_grp, kh, kw).transpose(0, 2, 3, 4, 1).reshape(c_in * kh * kw, pg)
    ytab = _axis_taps(h, ho, kh, node.stride[0], node.padding[0], node.dilation[0])
    xtab = _axis_taps(wd, wo, kw, node.stride[1], node.padding[1], node.dilation[1])
    row[S_YT] = table.shape[0]  # offsets within this synapse's ptr block
    row[S_XT] = table.shape[0] + ytab.size

    def fill_conv(weights, ptr, indices, delays):
        weights[:] = table.ravel()
        ptr[:table.shape[0]] = np.count_nonzero(table, axis=1)
        ptr[row[S_YT]:row[S_XT]] = ytab.ravel()
        ptr[row[S_XT]:] = xtab.ravel()

    n_ptr = table.shape[0] + ytab.size + xtab.size
    return row, w, {"n_w": table.size, "n_ptr": n_ptr, "n_idx": 0, "n_dly": 0}, fill_conv


def _axis_taps(n: int, n_out: int, k: int, stride: int, pad: int, dilation: int) -> np.ndarray:
    """Per input coordinate ``y``: ``[count, k0, o0, k1, o1, ...]``, the taps ``k`` whose
    output ``o = (y + pad - k * dilation) / stride`` is an integer in ``[0, n_out)``."""
    table = np.zeros((n, 1 + 2 * k), np.int64)
    for y in range(n):
        pairs = [(tap, (y + pad - tap * dilation) // stride) for tap in range(k)
                 if (y + pad - tap * dilation) >= 0 and (y + pad - tap * dilation) % stride == 0
                 and (y + pad - tap * dilation) // stride < n_out]
        table[y, 0] = len(pairs)
        table[y, 1:1 + 2 * len(pairs)] = np.array(pairs, np.int64).ravel() if pairs else []
    return table


@njit(cache=True)
def _fill_csr(wt, dl, weights, indices, delays):
    """Nonzero synapses of ``wt`` (sources x targets), row by row, straight into the
    narrow arrays."""
    k = 0
    has_delays = dl.shape[0] > 0
    for i in range(wt.shape[0]):
        for j in range(wt.shape[1]):
            if wt[i, j] != 0:
                weights[k] = wt[i, j]
                indices[k] = j
                if has_delays:
                    delays[k] = dl[i, j]
                k += 1

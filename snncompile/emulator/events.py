"""One synapse node's step inside the compiled loop (:mod:`snncompile.emulator.fused`),
for each table layout of :mod:`snncompile.emulator.tables`: find the active sources,
add their synapses into the accumulator ring, count events and synops, and hand on
``wrap(acc << shift, accum_bits)`` for the current slot.

All functions are numba ``inline="always"``: they are compiled into the loop, once per
accumulator type (int32 or int64).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from snncompile.emulator.tables import (
    CONV,
    DENSE,
    S_ACCBITS,
    S_BIN,
    S_BOUT,
    S_CGRP,
    S_COUT,
    S_DLY,
    S_GRADED,
    S_GROUPS,
    S_H,
    S_IDX,
    S_KH,
    S_KW,
    S_MODE,
    S_PG,
    S_PTR,
    S_SHIFT,
    S_SLOTS,
    S_W,
    S_W_IN,
    S_WO,
    S_XT,
    S_YT,
)


@njit(cache=True, inline="always")
def synapse_step(t, batch, n_out, n_in, p, x, active, ptr, indices, weights, delays, ring, out, counts, n):
    """One synapse step; ``ring`` is its accumulator (slots x samples x targets; int32 or
    int64, see :mod:`snncompile.emulator.tables`). Sources are scanned per sample and per
    block of a FixedLinear's leading axes, so no event needs a division to find them.
    With ``S_GROUPS`` (per-synapse delays, negative shift) this step's sums are collected
    per delay after the arrival slots, then each is shifted (floored) into its slot."""
    slots = p[S_SLOTS]
    groups = p[S_GROUPS]
    plane_size = batch * n_out
    slot0 = t % slots
    graded = p[S_GRADED] != 0
    mode = p[S_MODE]
    bi, bo = p[S_BIN], p[S_BOUT]
    events = 0
    synops = 0
    for b in range(batch):
        for blk in range(n_in // bi):
            xs = x[b * n_in + blk * bi:b * n_in + (blk + 1) * bi]
            count = 0
            for i in range(bi):
                if xs[i] != 0:
                    active[count] = i
                    count += 1
            if count == 0:
                continue
            events += count
            if mode == CONV:
                synops += _conv_events(count, active, xs, graded, p, ptr, weights, ring[b * n_out:(b + 1) * n_out])
            elif mode == DENSE:
                base = b * n_out + blk * bo
                synops += _dense_events(count, active, xs, graded, bo, p, ptr, weights, ring[base:base + bo])
            elif groups:  # collect per delay d in group slot d (slot0 0: no wrap)
                synops += _csr_events(count, active, xs, graded, p, ptr, indices, weights, delays,
                                      ring[slots * plane_size:], groups, 0, batch, b * n_out + blk * bo, n_out)
            else:
                synops += _csr_events(count, active, xs, graded, p, ptr, indices, weights, delays, ring, slots, slot0,
                                      batch, b * n_out + blk * bo, n_out)
    counts[t, n, 0] += events
    counts[t, n, 1] += synops
    shift = p[S_SHIFT]
    if groups:
        for d in range(groups):
            target = (slot0 + d) % slots
            src = ring[(slots + d) * plane_size:(slots + d + 1) * plane_size]
            dst = ring[target * plane_size:(target + 1) * plane_size]
            for j in range(plane_size):
                dst[j] += src[j] >> (-shift)
                src[j] = 0
        shift = 0
    half = np.int64(1) << (p[S_ACCBITS] - 1)
    mask = (half << 1) - 1
    cur = ring[slot0 * batch * n_out:(slot0 + 1) * batch * n_out]
    if mode == CONV:  # channels-last accumulator -> (co, yo, xo) output
        c_out = p[S_COUT]
        plane = n_out // c_out
        for b in range(batch):
            for pos in range(plane):
                src = cur[b * n_out + pos * c_out:b * n_out + (pos + 1) * c_out]
                for co in range(c_out):
                    out[b * n_out + co * plane + pos] = _finish(src[co], shift, half, mask)
                    src[co] = 0
    else:
        for j in range(batch * n_out):
            out[j] = _finish(cur[j], shift, half, mask)
            cur[j] = 0


@njit(cache=True, inline="always")
def _finish(y, shift, half, mask):
    """``wrap(acc << shift, accum_bits)`` (arithmetic right shift for a negative shift)."""
    y = (y << shift) if shift >= 0 else (y >> (-shift))
    return ((y + half) & mask) - half


@njit(cache=True, inline="always")
def _csr_events(count, active, xs, graded, p, ptr, indices, weights, delays, ring, slots, slot0, batch, base, n_out):
    """Sources ``active`` of one block of one sample; ``base``: where the block's targets
    start in slot 0 of the ring (a slot holds ``batch * n_out`` values)."""
    pb, ib, wb, db = p[S_PTR], p[S_IDX], p[S_W], p[S_DLY]
    synops = 0
    for k in range(count):
        i = active[k]
        payload = xs[i] if graded else 1
        start = ptr[pb + i]
        stop = ptr[pb + i + 1]
        synops += stop - start
        idx = indices[ib + start:ib + stop]
        w = weights[wb + start:wb + stop]
        if slots == 1:
            row = ring[base:base + n_out]
            if graded:
                for j in range(stop - start):
                    row[idx[j]] += w[j] * payload
            else:
                for j in range(stop - start):
                    row[idx[j]] += w[j]
        else:
            d = delays[db + start:db + stop]
            for j in range(stop - start):
                slot = slot0 + d[j]
                if slot >= slots:
                    slot -= slots
                ring[slot * batch * n_out + base + idx[j]] += w[j] * payload
    return synops


@njit(cache=True, inline="always")
def _dense_events(count, active, xs, graded, bo, p, ptr, weights, row):
    pb, wb = p[S_PTR], p[S_W]
    synops = 0
    for k in range(count):
        i = active[k]
        synops += ptr[pb + i]  # the row's nonzero weights (zeros are added, not counted)
        w = weights[wb + i * bo:wb + (i + 1) * bo]
        if graded:
            payload = xs[i]
            for j in range(bo):
                row[j] += w[j] * payload
        else:
            for j in range(bo):
                row[j] += w[j]
    return synops


@njit(cache=True, inline="always")
def _conv_events(count, active, xs, graded, p, ptr, weights, ring):
    """A spike at (c, y, x) reaches output (co, yo, xo) through each tap (ky, kx) of the
    geometry tables; the accumulator (one sample's) is channels-last (``(yo, xo, co)``)."""
    h, wd, wo, kh, kw = p[S_H], p[S_W_IN], p[S_WO], p[S_KH], p[S_KW]
    c_grp, pg, c_out = p[S_CGRP], p[S_PG], p[S_COUT]
    pb, wb = p[S_PTR], p[S_W]
    yt0, xt0 = pb + p[S_YT], pb + p[S_XT]
    plane_in = h * wd
    synops = 0
    for k in range(count):
        i = active[k]
        c = i // plane_in
        r = i - c * plane_in
        y = r // wd
        xx = r - y * wd
        obase = (c // c_grp) * pg
        payload = xs[i] if graded else 1
        yt = yt0 + y * (1 + 2 * kh)
        xt = xt0 + xx * (1 + 2 * kw)
        for a in range(ptr[yt]):
            ky = ptr[yt + 1 + 2 * a]
            orow = obase + ptr[yt + 2 + 2 * a] * wo * c_out
            for q in range(ptr[xt]):
                tap = (c * kh + ky) * kw + ptr[xt + 1 + 2 * q]
                synops += ptr[pb + tap]
                w = weights[wb + tap * pg:wb + (tap + 1) * pg]
                dst = ring[orow + ptr[xt + 2 + 2 * q] * c_out:orow + ptr[xt + 2 + 2 * q] * c_out + pg]
                if graded:
                    for col in range(pg):
                        dst[col] += w[col] * payload
                else:
                    for col in range(pg):
                        dst[col] += w[col]
    return synops

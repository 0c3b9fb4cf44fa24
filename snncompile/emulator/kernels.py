"""The emulator's hot loops (numba, integer-only), batched over samples.

Arithmetic follows :class:`snncompile.ir.fixed.FixedLIF` and
:class:`snncompile.ir.fixed.FixedSynapse` exactly, including where Lava's numpy code
wraps to int32 (channel dtypes, ``a << 6``) and its one-shot 24-bit wrap of ``u``.
Synapse work is event-driven: only rows of active inputs are visited (cost ∝ spikes ×
fan-out), through a CSR matrix indexed by *source* neuron.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_I32_HALF = np.int64(1) << 31


@njit(cache=True, inline="always")
def _wrap32(x):
    return ((x + 2147483648) & 4294967295) - 2147483648


@njit(cache=True, inline="always")
def _trunc_decay(x, factor, shift):
    p = x * factor
    if p >= 0:
        return p >> shift
    return -((-p) >> shift)


_GOLDEN, _MIX1, _MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def mix64(x):
    """splitmix64's step on a uint64 (see :mod:`snncompile.ir.random_source`)."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def random_spikes(seed, sample0, t, thresholds, out, batch):
    """``RandomSpikes`` of step ``t`` for samples ``sample0 .. sample0 + batch - 1`` into the
    flat (batch * size) ``out``: 1 where ``r(seed, b, t, i) < thresholds[i]``."""
    size = thresholds.size
    head = mix64(np.uint64(seed))
    for b in range(batch):
        hb = mix64(mix64(head ^ np.uint64(sample0 + b)) ^ np.uint64(t))
        for i in range(size):
            r = np.int64(mix64(hb ^ np.uint64(i)) >> np.uint64(32))
            out[b * size + i] = 1 if r < thresholds[i] else 0


#: ``payload`` codes of :func:`lif_step`: what a FixedLIF sends
PAYLOAD_SPIKE, PAYLOAD_GRADED, PAYLOAD_MEMBRANE = 0, 1, 2


def payload_code(node) -> int:
    """The :func:`lif_step` payload code of a FixedLIF."""
    if node.reads_membrane:
        return PAYLOAD_MEMBRANE
    return PAYLOAD_GRADED if node.graded else PAYLOAD_SPIKE


@njit(cache=True)
def lif_step(a, u, v, bias, u_factor, v_factor, vth_eff, reset_mode, ge, payload, vth_shift,
             act_shift, decay_bits, state_bits, out, active, left, refractory):
    """One FixedLIF step for (B, N) int64 arrays ``a``, ``u``, ``v`` (state updated in
    place). Writes payloads to ``out`` and the flat indices b*N+n of nonzero outputs to
    ``active``; returns their count. ``reset_mode``: 0 zero, 1 subtract, 2 none.
    ``payload``: 0 spikes (1), 1 graded (``v >> vth_shift``), 2 membrane readout (``v``
    itself, no comparison, no reset). ``left`` (B, N): refractory steps left; a spike
    sets it to ``refractory``; while it is > 0, ``v`` holds and nothing is sent."""
    batch, n = u.shape
    half = np.int64(1) << (state_bits - 1)
    full = half << 1
    vmax = half - 1
    count = 0
    for b in range(batch):
        for i in range(n):
            act = _wrap32(_wrap32(a[b, i]) << act_shift)
            cur = _wrap32(_trunc_decay(u[b, i], u_factor, decay_bits) + act)
            if cur > half:
                cur -= full
            elif cur <= -half:
                cur += full
            u[b, i] = cur
            if left[b, i] > 0:  # refractory: v holds, no spike
                left[b, i] -= 1
                out[b, i] = 0
                continue
            vol = _trunc_decay(v[b, i], v_factor, decay_bits) + cur + bias[i]
            if vol > vmax:
                vol = vmax
            elif vol < -vmax:
                vol = -vmax
            if payload == 2:
                out[b, i] = vol
                if vol != 0:
                    active[count] = b * n + i
                    count += 1
                v[b, i] = vol
                continue
            spike = vol >= vth_eff if ge else vol > vth_eff
            if spike:
                out[b, i] = (vol >> vth_shift) if payload == 1 else 1
                active[count] = b * n + i
                count += 1
                left[b, i] = refractory
                if reset_mode == 0:
                    vol = 0
                elif reset_mode == 1:
                    vol -= vth_eff
            else:
                out[b, i] = 0
            v[b, i] = vol
    return count


@njit(cache=True)
def find_active(x, active):
    """Flat indices of nonzero entries of the (B, N) payload array ``x``; returns the count."""
    batch, n = x.shape
    count = 0
    for b in range(batch):
        for i in range(n):
            if x[b, i] != 0:
                active[count] = b * n + i
                count += 1
    return count


@njit(cache=True)
def csr_accumulate(active, count, x, n_in, graded, indptr, indices, weights, delays, slot0,
                   n_slots, acc, dst_core, neurons_per_core, core_synops):
    """Add the synaptic input of the ``count`` active sources to ``acc`` (slots, B, n_out).

    Source ``b*n_in + i`` with payload ``x[b, i]`` (1 when not ``graded``) adds
    ``weights[j] * payload`` to ``acc[(slot0 + delays[j]) % n_slots, b, indices[j]]`` for
    every synapse j of row i. When ``neurons_per_core > 0``, also counts synaptic operations
    per (sample, destination core) into ``core_synops``. Returns the number of synops.
    """
    synops = 0
    for k in range(count):
        flat = active[k]
        b = flat // n_in
        i = flat - b * n_in
        payload = x[b, i] if graded else 1
        start = indptr[i]
        stop = indptr[i + 1]
        synops += stop - start
        if n_slots == 1:  # no delays: one accumulator row per sample
            row = acc[0, b]
            if graded:
                for j in range(start, stop):
                    row[indices[j]] += weights[j] * payload
            else:
                for j in range(start, stop):
                    row[indices[j]] += weights[j]
        else:
            for j in range(start, stop):
                slot = slot0 + delays[j]
                if slot >= n_slots:
                    slot -= n_slots
                acc[slot, b, indices[j]] += weights[j] * payload
        if neurons_per_core > 0:
            for j in range(start, stop):
                core_synops[b, dst_core[indices[j]]] += 1
    return synops


@njit(cache=True)
def finish_synapse(acc_slot, weight_exp, accum_bits, out):
    """``out = wrap(acc << weight_exp, accum_bits)`` then clear the slot (arithmetic right
    shift for negative exponents)."""
    batch, n = acc_slot.shape
    half = np.int64(1) << (accum_bits - 1)
    mask = (half << 1) - 1
    for b in range(batch):
        for i in range(n):
            y = acc_slot[b, i]
            if weight_exp >= 0:
                y = y << weight_exp
            else:
                y = y >> (-weight_exp)
            out[b, i] = ((y + half) & mask) - half
            acc_slot[b, i] = 0

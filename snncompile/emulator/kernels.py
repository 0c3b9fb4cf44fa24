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


#: decay codes of :func:`lif_step` (an encoding "none" runs as MULTIPLY with factors 0 and 1)
DECAY_MULTIPLY, DECAY_SHIFT = 0, 1


@njit(cache=True, inline="always")
def _decay(x, code, param, bits):
    """``D(x)``: ``trunc0(x * param / 2**bits)`` (MULTIPLY) or ``x - dx`` with
    ``dx = x >> param``, at least one step toward 0 (SHIFT; see ir.arithmetic)."""
    if code == DECAY_MULTIPLY:
        return _trunc_decay(x, param, bits)
    d = x >> param
    if d == 0:
        if x > 0:
            d = 1
        elif x < 0:
            d = -1
    return x - d


@njit(cache=True, inline="always")
def _clamp(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


@njit(cache=True, inline="always")
def _wrap_bits(x, bits):
    half = np.int64(1) << (bits - 1)
    return ((x + half) & ((half << 1) - 1)) - half


# columns of a LIF_PARAMS row (see lif_params)
(U_CODE, U_PARAM, V_CODE, V_PARAM, DECAY_BITS, STATE_BITS, LO, HI, ACT_SHIFT, VTH, VTH_SHIFT, GE, PAYLOAD,
 RESET, MAX_SPIKES, BEFORE, SATURATE, EACH, REFRACTORY) = range(19)
LIF_PARAMS = 19


def lif_params(node) -> np.ndarray:
    """The :func:`lif_step` parameter row of a FixedLIF (every choice as an integer)."""
    from snncompile.ir.arithmetic import DecayEncoding, InputTiming, MembraneUpdate, Overflow
    from snncompile.ir.semantics import Comparator, Reset

    unity = 1 << node.decay_bits
    encoding = node.decay_encoding
    if encoding is DecayEncoding.MULTIPLY:
        decay = (DECAY_MULTIPLY, unity - (node.du + 1), DECAY_MULTIPLY, unity - node.dv, node.decay_bits)
    elif encoding is DecayEncoding.SHIFT:
        decay = (DECAY_SHIFT, node.du, DECAY_SHIFT, node.dv, node.decay_bits)
    else:  # no current memory (factor 0), no voltage decay (factor 1 over 2**0)
        decay = (DECAY_MULTIPLY, 0, DECAY_MULTIPLY, 1, 0)
    lo, hi = node.state_bounds()
    reset = {Reset.ZERO: 0, Reset.SUBTRACT: 1, Reset.NONE: 2}[node.reset]
    row = (*decay, node.state_bits, lo, hi, node.act_shift, node.effective_threshold(), node.vth_shift,
           int(node.comparator is Comparator.GE), payload_code(node), reset, node.max_spikes,
           int(node.input_timing is InputTiming.BEFORE_DECAY), int(node.current_overflow is Overflow.SATURATE),
           int(node.membrane_update is MembraneUpdate.SATURATE_EACH), node.refractory)
    return np.array(row, np.int64)


@njit(cache=True)
def lif_step(a, a_lo, a_hi, u, v, bias, p, out, active, left):
    """One FixedLIF step for (B, N) int64 arrays ``a``, ``u``, ``v`` (state updated in
    place), every arithmetic of :class:`~snncompile.ir.fixed.FixedLIF`; ``p`` is the
    neuron's :data:`LIF_PARAMS` row. With a saturating current (``p[SATURATE]``) the input
    is the composed map of the step's events, ``u -> clamp(u + a, a_lo, a_hi)``; else
    ``a`` is the summed input (``a_lo``/``a_hi`` unused). Writes payloads to ``out`` and
    the flat indices b*N+n of nonzero outputs to ``active``; returns their count (spiking
    neurons, not spikes). ``left`` (B, N): refractory steps left; a spike sets it to
    ``p[REFRACTORY]``; while it is > 0, ``v`` holds and nothing is sent."""
    batch, n = u.shape
    bits = p[STATE_BITS]
    half = np.int64(1) << (bits - 1)
    full = half << 1
    lo, hi = p[LO], p[HI]
    u_code, u_par, v_code, v_par, dbits = p[U_CODE], p[U_PARAM], p[V_CODE], p[V_PARAM], p[DECAY_BITS]
    vth, ge, payload, reset_mode, max_spikes = p[VTH], p[GE], p[PAYLOAD], p[RESET], p[MAX_SPIKES]
    before, saturate, each = p[BEFORE], p[SATURATE], p[EACH]
    count = 0
    for b in range(batch):
        for i in range(n):
            cur = u[b, i]
            if saturate:
                if not before:
                    cur = _decay(cur, u_code, u_par, dbits)
                cur = min(max(cur + a[b, i], a_lo[b, i]), a_hi[b, i])
                if before:
                    cur = _decay(cur, u_code, u_par, dbits)
            else:
                act = _wrap32(_wrap32(a[b, i]) << p[ACT_SHIFT])
                if before:
                    cur = _decay(_wrap32(cur + act), u_code, u_par, dbits)
                else:
                    cur = _wrap32(_decay(cur, u_code, u_par, dbits) + act)
                if cur > half:  # Lava's one-shot wrap into the state bits
                    cur -= full
                elif cur <= -half:
                    cur += full
            u[b, i] = cur
            if left[b, i] > 0:  # refractory: v holds, no spike
                left[b, i] -= 1
                out[b, i] = 0
                continue
            if each:  # every addition saturates (XyloSim)
                dvm = _wrap_bits(_decay(v[b, i], v_code, v_par, dbits) - v[b, i], bits)
                dvm = _clamp(dvm + cur, lo, hi)
                dvm = _clamp(dvm + bias[i], lo, hi)
                vol = _clamp(v[b, i] + dvm, lo, hi)
            else:
                vol = _clamp(_decay(v[b, i], v_code, v_par, dbits) + cur + bias[i], lo, hi)
            if payload == 2:  # membrane readout: no comparison, no reset
                out[b, i] = vol
                if vol != 0:
                    active[count] = b * n + i
                    count += 1
                v[b, i] = vol
                continue
            pre = vol
            spikes = 0
            while spikes < max_spikes and (vol >= vth if ge else vol > vth):
                spikes += 1
                if reset_mode == 0:
                    vol = 0
                    break
                if reset_mode == 2:
                    break
                vol -= vth
            if spikes:
                out[b, i] = (pre >> p[VTH_SHIFT]) if payload == 1 else spikes
                active[count] = b * n + i
                count += 1
                left[b, i] = p[REFRACTORY]
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


@njit(cache=True, inline="always")
def _event(flat, x, n_in, graded, max_payload):
    """(sample, source, payload) of active entry ``flat = b*n_in + i``: the payload is 1
    unless ``graded``, then ``x[b, i]`` clipped to ``max_payload`` when that is > 0."""
    b = flat // n_in
    i = flat - b * n_in
    payload = x[b, i] if graded else 1
    if max_payload > 0 and payload > max_payload:
        payload = max_payload
    return b, i, payload


@njit(cache=True)
def csr_accumulate(active, count, x, n_in, graded, max_payload, indptr, indices, weights, delays, slot0,
                   n_slots, acc, dst_core, neurons_per_core, core_synops):
    """Add the synaptic input of the ``count`` active sources to ``acc`` (slots, B, n_out).

    Source ``b*n_in + i`` with payload ``x[b, i]`` (1 when not ``graded``) adds
    ``weights[j] * payload`` to ``acc[(slot0 + delays[j]) % n_slots, b, indices[j]]`` for
    every synapse j of row i (a graded payload clipped to ``max_payload`` when that is > 0). When ``neurons_per_core > 0``, also counts synaptic operations
    per (sample, destination core) into ``core_synops``. Returns the number of synops.
    """
    synops = 0
    for k in range(count):
        b, i, payload = _event(active[k], x, n_in, graded, max_payload)
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
def csr_saturate(active, count, x, n_in, graded, max_payload, indptr, indices, weights, shift, lo, hi,
                 s_acc, l_acc, h_acc, dst_core, neurons_per_core, core_synops):
    """Saturating synapse step (``accumulate="saturate"``): the events of the ``count``
    active sources, in ascending source order, each ``e = (weights[j] << shift) * payload``
    applied to target ``indices[j]`` as ``x -> clamp(x + e, lo, hi)``. The targets'
    maps start as the identity (``s_acc = 0``, ``l_acc = lo``, ``h_acc = hi``) and end as
    their composition ``x -> clamp(x + S, L, H)``: composing ``clamp(. + e)`` after
    ``clamp(. + S, L, H)`` gives ``(S + e, clamp(L + e), clamp(H + e))``. (A payload of
    ``c`` spikes is ``c`` saturating adds of one weight, which equal one add of ``c``
    weights: they share a sign.) Returns the number of synops."""
    synops = 0
    for k in range(count):
        b, i, payload = _event(active[k], x, n_in, graded, max_payload)
        start = indptr[i]
        stop = indptr[i + 1]
        synops += stop - start
        for j in range(start, stop):
            t = indices[j]
            e = (np.int64(weights[j]) << shift) * payload
            s_acc[b, t] += e
            l_acc[b, t] = _clamp(l_acc[b, t] + e, lo, hi)
            h_acc[b, t] = _clamp(h_acc[b, t] + e, lo, hi)
        if neurons_per_core > 0:
            for j in range(start, stop):
                core_synops[b, dst_core[indices[j]]] += 1
    return synops


@njit(cache=True)
def compose_maps(s1, l1, h1, s2, l2, h2):
    """``(s1, l1, h1) := map2 o map1`` in place, elementwise over (B, N): ``clamp(clamp(x +
    s1, l1, h1) + s2, l2, h2) = clamp(x + s1 + s2, clamp(l1 + s2, l2, h2), clamp(h1 + s2, l2,
    h2))``."""
    batch, n = s1.shape
    for b in range(batch):
        for i in range(n):
            d = s2[b, i]
            s1[b, i] += d
            l1[b, i] = _clamp(l1[b, i] + d, l2[b, i], h2[b, i])
            h1[b, i] = _clamp(h1[b, i] + d, l2[b, i], h2[b, i])


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

"""The whole run in one compiled loop over a :class:`~snncompile.emulator.program.Program`,
on every core it is given.

Same arithmetic as the step-by-step runner (both follow :mod:`snncompile.emulator.kernels`
and are tested equal), but all steps and nodes run inside one numba function, so a step
costs no Python at all. Layout: every node owns a ring of ``depth`` output slots per
sample in one flat int64 history; an edge ``(src, delay)`` reads slot
``(t - delay) % depth[src]``.

Samples are independent, so the batch is cut into chunks (small enough for the state of
a chunk to stay in cache) and the chunks are shared among threads: the loop releases the
GIL, every thread owns its state, counters and history, and writes its samples' records.
``threads`` defaults to the cores this process may run on (``os.sched_getaffinity``;
``taskset`` and container limits apply) or ``SNNCOMPILE_THREADS``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from snncompile.emulator.events import synapse_step
from snncompile.emulator.kernels import _wrap32, random_spikes
from snncompile.emulator.program import (
    ACT_SHIFT,
    BIAS_OFF,
    CONST,
    DECAY_BITS,
    GE,
    GRADED,
    INPUT,
    PASS,
    RAND,
    RECORD8,
    RECORD32,
    REFRACTORY,
    RESET,
    STATE_BITS,
    STATE_OFF,
    SYN,
    U_FACTOR,
    V_FACTOR,
    VTH,
    VTH_SHIFT,
    Program,
)
from snncompile.emulator.tables import S_ACC, S_ACC32, S_GROUPS, S_SLOTS
from snncompile.simulate.progress import steps_with_progress

#: samples per chunk x values per sample kept at about this many int64s (fits in L2)
CHUNK_VALUES = 32768
#: with a progress bar, steps per compiled call
PROGRESS_BLOCK = 100
#: how the last compiled run shared its work (threads, samples per chunk, chunks, and the
#: CPU seconds each thread spent): what benchmarks read to show the split over cores
last_run: dict = {}


def default_threads() -> int:
    """``SNNCOMPILE_THREADS`` if set, else the number of cores this process may use."""
    env = os.environ.get("SNNCOMPILE_THREADS")
    if env:
        return max(1, int(env))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@njit(cache=True, nogil=True)
def run_program(t_start, t_stop, sample0, batch, length, kind, size, depth, edge_ptr, edge_src, edge_delay,
                inp_off, inputs, consts, node_aux, syn, ptr, indices, weights, delays, acc, acc32,
                lif, bias, u, v, left, hist, scratch, active,
                rec_kind, rec_off, rec8, rec32, v_off, vrec, u_off, urec, counts):
    # Loops run over slice views (``hist[a:b]``) rather than offset indices: numba then
    # knows the indices are in range and LLVM vectorises the copies (about 5x here).
    n_nodes = kind.size
    hist_base = np.zeros(n_nodes + 1, np.int64)
    for n in range(n_nodes):
        hist_base[n + 1] = hist_base[n] + depth[n] * size[n] * batch
    for t in range(t_start, t_stop):
        for n in range(n_nodes):
            sz = size[n]
            obase = hist_base[n] + (t % depth[n]) * batch * sz
            out = hist[obase:obase + batch * sz]
            if kind[n] == INPUT:
                off = inp_off[n]
                for b in range(batch):
                    row = out[b * sz:(b + 1) * sz]
                    if t < length:
                        src_row = inputs[b, t, off:off + sz]
                        for i in range(sz):
                            row[i] = src_row[i]
                    else:
                        row[:] = 0
                continue
            if kind[n] == RAND:  # seeded spikes of this step for samples sample0 ..
                off = inp_off[n]
                random_spikes(consts[off], sample0, t, consts[off + 1:off + 1 + sz], out, batch)
                continue
            if kind[n] == CONST:  # the same integer payloads every step
                off = inp_off[n]
                for b in range(batch):
                    out[b * sz:(b + 1) * sz] = consts[off:off + sz]
                continue
            # the summed input of node n (a view of the history when it has one live edge)
            e0 = edge_ptr[n]
            in_sz = size[edge_src[e0]]
            total = batch * in_sz
            if edge_ptr[n + 1] - e0 == 1 and t - edge_delay[e0] >= 0:
                src = edge_src[e0]
                base = hist_base[src] + ((t - edge_delay[e0]) % depth[src]) * total
                x = hist[base:base + total]
            else:
                x = scratch[:total]
                x[:] = 0
                for e in range(e0, edge_ptr[n + 1]):
                    src = edge_src[e]
                    if t - edge_delay[e] < 0:
                        continue
                    base = hist_base[src] + ((t - edge_delay[e]) % depth[src]) * total
                    h = hist[base:base + total]
                    for j in range(total):
                        x[j] += h[j]
            k = kind[n]
            if k == PASS:
                for j in range(total):
                    out[j] = x[j]
            elif k == SYN:
                p = syn[node_aux[n]]
                lo, hi = p[S_ACC] * batch, (p[S_ACC] + (p[S_SLOTS] + p[S_GROUPS]) * sz) * batch
                if p[S_ACC32] != 0:
                    synapse_step(t, batch, sz, in_sz, p, x, active, ptr, indices, weights, delays, acc32[lo:hi], out,
                                 counts, n)
                else:
                    synapse_step(t, batch, sz, in_sz, p, x, active, ptr, indices, weights, delays, acc[lo:hi], out,
                                 counts, n)
            else:
                p = lif[node_aux[n]]
                sb = p[STATE_OFF] * batch
                if p[REFRACTORY] > 0:
                    _lif_refractory(batch, sz, p, x, bias, u[sb:sb + batch * sz], v[sb:sb + batch * sz],
                                    left[sb:sb + batch * sz], out, counts, t, n)
                else:
                    _lif(batch, sz, p, x, bias, u[sb:sb + batch * sz], v[sb:sb + batch * sz], out, counts, t, n)
                if v_off[n] >= 0:
                    _record(vrec, v[sb:], batch, t, v_off[n], sz)
                if u_off[n] >= 0:
                    _record(urec, u[sb:], batch, t, u_off[n], sz)
        for n in range(n_nodes):
            if rec_kind[n] != 0:
                sz = size[n]
                obase = hist_base[n] + (t % depth[n]) * batch * sz
                if rec_kind[n] == RECORD8:
                    _record(rec8, hist[obase:], batch, t, rec_off[n], sz)
                else:
                    _record(rec32, hist[obase:], batch, t, rec_off[n], sz)


@njit(cache=True, inline="always")
def _record(dst, src, batch, t, off, sz):
    for b in range(batch):
        row = dst[b, t, off:off + sz]
        s = src[b * sz:(b + 1) * sz]
        for i in range(sz):
            row[i] = s[i]


@njit(cache=True, inline="always")
def _trunc_decay_bf(x, factor, shift):
    """``sign(p) * (|p| >> shift)`` for ``p = x * factor`` without a branch (the step-wise
    kernels use the branching form; the two are tested equal)."""
    p = x * factor
    m = p >> 63  # -1 when negative, else 0
    return ((((p ^ m) - m) >> shift) ^ m) - m


@njit(cache=True, inline="always")
def _lif(batch, n, p, a, bias_all, u, v, out, counts, t, node):
    # Branch-free form of FixedLIF (LLVM vectorises it): clamps as min/max, the spike as
    # 0/1, the reset as arithmetic selected per population.
    half = np.int64(1) << (p[STATE_BITS] - 1)
    full = half << 1
    vmax = half - 1
    vth = p[VTH]
    fire_above = vth - (1 if p[GE] != 0 else 0)  # v >= vth  <=>  v > vth - 1 (integers)
    graded = p[GRADED] == 1
    membrane = p[GRADED] == 2  # readout: output v, never spike, never reset
    zero_reset = 1 if p[RESET] == 0 else 0
    sub_reset = 1 if p[RESET] == 1 else 0
    bias = bias_all[p[BIAS_OFF]:p[BIAS_OFF] + n]
    act_shift, u_factor, v_factor, shift, vth_shift = p[ACT_SHIFT], p[U_FACTOR], p[V_FACTOR], p[DECAY_BITS], p[VTH_SHIFT]
    spikes = 0
    for b in range(batch):
        ub = u[b * n:(b + 1) * n]
        vb = v[b * n:(b + 1) * n]
        ab = a[b * n:(b + 1) * n]
        ob = out[b * n:(b + 1) * n]
        for i in range(n):
            act = _wrap32(_wrap32(ab[i]) << act_shift)
            cur = _wrap32(_trunc_decay_bf(ub[i], u_factor, shift) + act)
            cur = cur - full * (cur > half) + full * (cur <= -half)  # Lava's one-shot wrap
            ub[i] = cur
            vol = _trunc_decay_bf(vb[i], v_factor, shift) + cur + bias[i]
            vol = min(max(vol, -vmax), vmax)
            s = np.int64(vol > fire_above) * (1 - membrane)
            ob[i] = vol if membrane else (((vol >> vth_shift) * s) if graded else s)
            spikes += s
            vb[i] = vol - s * (zero_reset * vol + sub_reset * vth)
    counts[t, node, 0] += batch * n
    counts[t, node, 1] += spikes


@njit(cache=True)
def _lif_refractory(batch, n, p, a, bias_all, u, v, left, out, counts, t, node):
    """:func:`_lif` for a population with a refractory period (``left``: steps left per
    neuron): ``u`` always integrates; while ``left > 0`` ``v`` holds and nothing fires."""
    half = np.int64(1) << (p[STATE_BITS] - 1)
    full = half << 1
    vmax = half - 1
    vth = p[VTH]
    fire_above = vth - (1 if p[GE] != 0 else 0)
    graded = p[GRADED] == 1
    reset = p[RESET]
    period = p[REFRACTORY]
    bias = bias_all[p[BIAS_OFF]:p[BIAS_OFF] + n]
    act_shift, u_factor, v_factor, shift, vth_shift = p[ACT_SHIFT], p[U_FACTOR], p[V_FACTOR], p[DECAY_BITS], p[VTH_SHIFT]
    spikes = 0
    for b in range(batch):
        for i in range(n):
            k = b * n + i
            act = _wrap32(_wrap32(a[k]) << act_shift)
            cur = _wrap32(_trunc_decay_bf(u[k], u_factor, shift) + act)
            cur = cur - full * (cur > half) + full * (cur <= -half)
            u[k] = cur
            if left[k] > 0:
                left[k] -= 1
                out[k] = 0
                continue
            vol = _trunc_decay_bf(v[k], v_factor, shift) + cur + bias[i]
            vol = min(max(vol, -vmax), vmax)
            if vol > fire_above:
                out[k] = (vol >> vth_shift) if graded else 1
                spikes += 1
                left[k] = period
                if reset == 0:
                    vol = 0
                elif reset == 1:
                    vol -= vth
            else:
                out[k] = 0
            v[k] = vol
    counts[t, node, 0] += batch * n
    counts[t, node, 1] += spikes


@dataclass
class Records:
    """Where the loop writes, (samples, steps, values): 0/1 spike trains (int8), other
    payloads (int32), membranes and currents (int32)."""

    rec8: np.ndarray
    rec32: np.ndarray
    vrec: np.ndarray
    urec: np.ndarray


def run_fused(graph, order, shapes, data, steps, length, rec_names, v_names, u_names, progress=False,
              threads=None, first_sample=0):
    """Flatten ``graph`` into a program, run it, return (records, v, u, counts) with
    records as name -> (B, T, size) (int8 for spike trains, else int32) and counts
    (T, node, 2) in ``order``. ``data``: name -> (B, T, flat) integer (or bool) payloads
    whose row ``k`` is sample ``first_sample + k`` of the data set."""
    program = Program.build(graph, order, shapes)
    full_batch = next(iter(data.values())).shape[0]
    threads = max(1, min(threads or default_threads(), full_batch))
    per_sample = (program.history_per_sample + program.acc_per_sample(False) + program.acc_per_sample(True) // 2
                  + 3 * program.state_per_sample)
    # samples are independent: run them in chunks whose state stays in cache, at least one per thread
    batch = min(-(-full_batch // threads), max(1, CHUNK_VALUES // max(per_sample, 1)))
    inputs = _inputs(program, data, full_batch)
    rec_kind, rec_off, n8, n32 = program.record_layout(graph, rec_names)
    v_off, nv = program.offsets(v_names)
    u_off, nu = program.offsets(u_names)
    rec = Records(np.zeros((full_batch, steps, n8), np.int8), np.zeros((full_batch, steps, n32), np.int32),
                  np.zeros((full_batch, steps, nv), np.int32), np.zeros((full_batch, steps, nu), np.int32))
    block = max(1, PROGRESS_BLOCK if progress else steps)
    chunks = [(start, min(full_batch, start + batch)) for start in range(0, full_batch, batch)]
    n_blocks = -(-steps // block)
    bar = iter(steps_with_progress(len(chunks) * n_blocks, progress, "emulator")) if progress else None
    lock = threading.Lock()
    queue = iter(chunks)
    counts = [np.zeros((steps, len(order), 2), np.int64) for _ in range(min(threads, len(chunks)))]

    thread_cpu: list[float] = []
    stop: list[bool] = []  # set (non-empty) by the first worker that fails: the others take no new chunk

    def worker(counts_of_worker: np.ndarray) -> None:
        start_cpu = time.thread_time()
        state = _State(program, batch)
        while True:
            with lock:
                chunk = None if stop else next(queue, None)
            if chunk is None:
                thread_cpu.append(time.thread_time() - start_cpu)
                return
            lo, hi = chunk
            state.clear()
            for t0 in range(0, steps, block):
                _call(program, state, t0, min(steps, t0 + block), first_sample + lo, hi - lo, length, inputs[lo:hi],
                      rec, lo, hi, rec_kind, rec_off, v_off, u_off, counts_of_worker)
                if bar is not None:
                    with lock:
                        next(bar, None)

    _run_workers(worker, counts, stop)
    last_run.clear()
    last_run.update(threads=len(counts), samples_per_chunk=batch, chunks=len(chunks), thread_cpu_s=thread_cpu)
    if bar is not None:
        for _ in bar:  # close the progress bar
            pass
    total = counts[0]
    for c in counts[1:]:
        total += c
    index = {name: i for i, name in enumerate(order)}

    def split(off, arr, names, kinds=None, want=None):
        return {n: arr[:, :, off[index[n]]:off[index[n]] + program.size[index[n]]] for n in names
                if kinds is None or kinds[index[n]] == want}

    records = {**split(rec_off, rec.rec8, rec_names, rec_kind, RECORD8),
               **split(rec_off, rec.rec32, rec_names, rec_kind, RECORD32)}
    return records, split(v_off, rec.vrec, v_names), split(u_off, rec.urec, u_names), total


def _run_workers(worker, counts: list[np.ndarray], stop: list[bool]) -> None:
    """One thread per counts array (the caller's thread is the first); after an error
    (or Ctrl-C in the caller's thread) ``stop`` is set so that no worker starts another
    chunk, and the first error is raised once all have stopped."""
    errors: list[BaseException] = []

    def guarded(c: np.ndarray) -> None:
        try:
            worker(c)
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread)
            stop.append(True)
            errors.append(exc)

    others = [threading.Thread(target=guarded, args=(c,), daemon=True) for c in counts[1:]]
    for th in others:
        th.start()
    guarded(counts[0])
    for th in others:
        th.join()
    if errors:
        raise errors[0]


class _State:
    """One worker's buffers for ``batch`` samples at once."""

    def __init__(self, program: Program, batch: int):
        self.hist = np.zeros(max(program.history_per_sample * batch, 1), np.int64)
        self.acc = np.zeros(max(program.acc_per_sample(False) * batch, 1), np.int64)
        self.acc32 = np.zeros(max(program.acc_per_sample(True) * batch, 1), np.int32)
        self.u = np.zeros(max(program.state_per_sample * batch, 1), np.int64)
        self.v = np.zeros_like(self.u)
        self.left = np.zeros_like(self.u)
        widest = int(program.size.max()) * batch
        self.scratch = np.zeros(widest, np.int64)
        self.active = np.zeros(widest, np.int64)

    def clear(self) -> None:
        for buf in (self.hist, self.acc, self.acc32, self.u, self.v, self.left):
            buf[:] = 0


def _call(program, state, t0, t1, sample0, n, length, inputs, rec, start, stop, rec_kind, rec_off, v_off, u_off,
          counts):
    """Steps ``t0 .. t1 - 1`` of rows ``start .. stop - 1`` (data-set samples ``sample0 ..``)."""
    syn = program.syn
    run_program(t0, t1, sample0, n, length, program.kind, program.size, program.depth, program.edge_ptr, program.edge_src,
                program.edge_delay, program.inp_off, inputs, program.consts, program.node_aux, syn.rows, syn.ptr, syn.indices,
                syn.weights, syn.delays, state.acc, state.acc32, program.lif, program.bias, state.u, state.v, state.left, state.hist,
                state.scratch, state.active, rec_kind, rec_off, rec.rec8[start:stop], rec.rec32[start:stop], v_off,
                rec.vrec[start:stop], u_off, rec.urec[start:stop], counts)


def _inputs(program: Program, data: dict, full_batch: int) -> np.ndarray:
    """All inputs as one (B, T, flat) array in their own dtype (no copy for one input)."""
    arrays = [data[name] for name, k in zip(program.order, program.kind) if k == INPUT]
    if len(arrays) == 1:
        return arrays[0]
    if not arrays:
        return np.zeros((full_batch, 1, 1), np.int32)
    dtype = np.result_type(*arrays)
    return np.ascontiguousarray(np.concatenate([a.astype(dtype, copy=False) for a in arrays], axis=2))

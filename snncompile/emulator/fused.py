"""The whole run in one compiled loop: a fixed graph flattened into arrays ("program").

Same arithmetic as the step-by-step runner (both call the kernels in
:mod:`snncompile.emulator.kernels`' style and are tested equal), but all steps and nodes
run inside one numba function, so a step costs no Python at all: this is what makes
batch-1 runs fast. Layout: every node, in step order, owns a ring of ``depth`` output
slots (``depth`` = 1 + its largest outgoing edge delay) in one flat int64 array; an edge
``(src, delay)`` reads slot ``(t - delay) % depth[src]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from snncompile.emulator.kernels import _wrap32
from snncompile.simulate.progress import steps_with_progress

INPUT, PASS, SYN, LIF, CONST = 0, 1, 2, 3, 4
#: samples per chunk x values per sample kept at about this many int64s (fits in L2)
CHUNK_VALUES = 32768
#: with a progress bar, steps per compiled call
PROGRESS_BLOCK = 100
# columns of the per-LIF parameter table (GRADED holds kernels.payload_code)
U_FACTOR, V_FACTOR, VTH, RESET, GE, GRADED, VTH_SHIFT, ACT_SHIFT, DECAY_BITS, STATE_BITS = range(10)
# columns of the per-synapse table
S_INPTR, S_NNZ, S_NIN, S_SLOTS, S_ACC, S_WEXP, S_ACCBITS, S_GRADED = range(8)


@njit(cache=True)
def run_program(t_start, t_stop, batch, length, kind, size, depth, hist_base, edge_ptr, edge_src, edge_delay,
                inp_off, inputs, consts, node_aux, syn, indptr, indices, weights, delays, acc,
                lif, bias, state_base, u, v, hist, scratch, active,
                rec_off, rec, v_off, vrec, u_off, urec, counts):
    # Loops run over slice views (``hist[a:b]``) rather than offset indices: numba then
    # knows the indices are in range and LLVM vectorises the copies (about 5x here).
    n_nodes = kind.size
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
            if kind[n] == CONST:  # the same integer payloads every step
                off = inp_off[n]
                for b in range(batch):
                    out[b * sz:(b + 1) * sz] = consts[off:off + sz]
                continue
            # the summed input of node n
            in_sz = size[edge_src[edge_ptr[n]]]
            total = batch * in_sz
            x = scratch[:total]
            x[:] = 0
            for e in range(edge_ptr[n], edge_ptr[n + 1]):
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
                _synapse(t, batch, sz, in_sz, syn[node_aux[n]], x, active, indptr, indices, weights,
                         delays, acc, out, counts, n)
            else:
                sb = state_base[node_aux[n]]
                _lif(batch, sz, lif[node_aux[n]], x, bias, u[sb:sb + batch * sz], v[sb:sb + batch * sz], out,
                     counts, t, n)
            if v_off[n] >= 0:
                _record(vrec, v[state_base[node_aux[n]]:], batch, t, v_off[n], sz)
            if u_off[n] >= 0:
                _record(urec, u[state_base[node_aux[n]]:], batch, t, u_off[n], sz)
        for n in range(n_nodes):
            if rec_off[n] >= 0:
                sz = size[n]
                obase = hist_base[n] + (t % depth[n]) * batch * sz
                _record(rec, hist[obase:], batch, t, rec_off[n], sz)


@njit(cache=True, inline="always")
def _record(dst, src, batch, t, off, sz):
    for b in range(batch):
        row = dst[b, t, off:off + sz]
        s = src[b * sz:(b + 1) * sz]
        for i in range(sz):
            row[i] = s[i]


@njit(cache=True, inline="always")
def _synapse(t, batch, n_out, n_in, p, x, active, indptr, indices, weights, delays, acc, out, counts, n):
    slots = p[S_SLOTS]
    slot0 = t % slots
    ip = p[S_INPTR]
    nz = p[S_NNZ]
    graded = p[S_GRADED] != 0
    count = 0
    for j in range(batch * n_in):
        if x[j] != 0:
            active[count] = j
            count += 1
    synops = 0
    ring = acc[p[S_ACC]:p[S_ACC] + slots * batch * n_out]
    for k in range(count):
        flat = active[k]
        b = flat // n_in
        i = flat - b * n_in
        payload = x[flat] if graded else 1
        start = nz + indptr[ip + i]
        stop = nz + indptr[ip + i + 1]
        synops += stop - start
        idx = indices[start:stop]
        w = weights[start:stop]
        if slots == 1:
            row = ring[b * n_out:(b + 1) * n_out]
            if graded:
                for j in range(stop - start):
                    row[idx[j]] += w[j] * payload
            else:
                for j in range(stop - start):
                    row[idx[j]] += w[j]
        else:
            d = delays[start:stop]
            for j in range(stop - start):
                slot = slot0 + d[j]
                if slot >= slots:
                    slot -= slots
                ring[(slot * batch + b) * n_out + idx[j]] += w[j] * payload
    counts[t, n, 0] += count
    counts[t, n, 1] += synops
    wexp = p[S_WEXP]
    half = np.int64(1) << (p[S_ACCBITS] - 1)
    mask = (half << 1) - 1
    cur = ring[slot0 * batch * n_out:(slot0 + 1) * batch * n_out]
    for j in range(batch * n_out):
        y = cur[j]
        y = (y << wexp) if wexp >= 0 else (y >> (-wexp))
        out[j] = ((y + half) & mask) - half
        cur[j] = 0


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
    bias = bias_all[p[10]:p[10] + n]
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


def run_fused(graph, order, shapes, data, steps, length, rec_names, v_names, u_names, progress=False):
    """Flatten ``graph`` into a program, run it, return (records, v, u, counts) with
    records as name -> (B, T, size) and counts (T, node, 2) in ``order``."""
    from snncompile.emulator.kernels import payload_code
    from snncompile.emulator.synapses import build_csr
    from snncompile.ir import Constant, Input
    from snncompile.ir.fixed import FixedLIF, FixedSynapse
    from snncompile.ir.semantics import Comparator, Reset

    full_batch = next(iter(data.values())).shape[0]
    index = {name: i for i, name in enumerate(order)}
    sizes = np.array([int(np.prod(shapes[n])) for n in order], np.int64)
    # samples are independent: run them in chunks whose state stays in cache
    batch = min(full_batch, max(1, CHUNK_VALUES // int(sizes.sum())))
    depth = np.ones(len(order), np.int64)
    for e in graph.edges:
        depth[index[e.src]] = max(depth[index[e.src]], e.delay + 1)
    hist_base = np.concatenate([[0], np.cumsum(depth * sizes * batch)]).astype(np.int64)
    hist = np.zeros(int(hist_base[-1]), np.int64)
    kind = np.full(len(order), PASS, np.int64)
    node_aux = np.full(len(order), -1, np.int64)
    edge_ptr, edge_src, edge_delay = [0], [], []
    inp_off = np.full(len(order), -1, np.int64)
    in_arrays, in_total = [], 0
    const_values: list[np.ndarray] = []
    const_total = 0
    syn_rows, csrs, lif_rows, biases, state_base = [], [], [], [], []
    nnz = inptr = acc_size = bias_size = state_size = 0
    for i, name in enumerate(order):
        node = graph.nodes[name]
        for e in graph.incoming(name):
            edge_src.append(index[e.src])
            edge_delay.append(e.delay)
        edge_ptr.append(len(edge_src))
        if isinstance(node, Input):
            kind[i] = INPUT
            inp_off[i] = in_total
            in_arrays.append(data[name])
            in_total += int(sizes[i])
        elif isinstance(node, Constant):
            kind[i] = CONST
            inp_off[i] = const_total
            const_values.append(node.value.reshape(-1).astype(np.int64))
            const_total += int(sizes[i])
        elif isinstance(node, FixedSynapse):
            kind[i] = SYN
            node_aux[i] = len(syn_rows)
            csr = build_csr(node, graph.input_shape(name, shapes), int(sizes[i]))
            slots = csr.max_delay + 1
            syn_rows.append([inptr, nnz, csr.n_in, slots, acc_size, node.weight_exp, node.accum_bits,
                             int(node.num_message_bits > 0)])
            csrs.append(csr)
            inptr += csr.n_in + 1
            nnz += csr.nnz
            acc_size += slots * batch * int(sizes[i])
        elif isinstance(node, FixedLIF):
            kind[i] = LIF
            node_aux[i] = len(lif_rows)
            unity = 1 << node.decay_bits
            lif_rows.append([unity - (node.du + 1), unity - node.dv, node.effective_threshold(),
                             {Reset.ZERO: 0, Reset.SUBTRACT: 1, Reset.NONE: 2}[node.reset],
                             int(node.comparator is Comparator.GE), payload_code(node), node.vth_shift,
                             node.act_shift, node.decay_bits, node.state_bits, bias_size])
            b = node.effective_bias().reshape(-1)
            biases.append(b)
            bias_size += b.size
            state_base.append(state_size)
            state_size += batch * int(sizes[i])
    max_size = int(sizes.max())
    cat = np.concatenate
    indptr = cat([c.indptr for c in csrs]).astype(np.int64) if csrs else np.zeros(1, np.int64)
    # int32 synapse tables: half the memory traffic of the hot loop (effective weights are
    # 9-bit, delays 6-bit; a population above 2^31 neurons is out of scope)
    indices = cat([c.indices for c in csrs]).astype(np.int32) if csrs else np.zeros(1, np.int32)
    weights = cat([c.weights for c in csrs]).astype(np.int32) if csrs else np.zeros(1, np.int32)
    delays = cat([c.delays for c in csrs]).astype(np.int32) if csrs else np.zeros(1, np.int32)
    if len(in_arrays) == 1:
        inputs = in_arrays[0]
    else:
        inputs = np.ascontiguousarray(cat(in_arrays, axis=2) if in_arrays else np.zeros((full_batch, 1, 1), np.int32))

    def offsets(names):
        off = np.full(len(order), -1, np.int64)
        total = 0
        for name in names:
            off[index[name]] = total
            total += int(sizes[index[name]])
        return off, np.zeros((full_batch, steps, max(total, 1)), np.int32)

    rec_off, rec = offsets(rec_names)
    v_off, vrec = offsets(v_names)
    u_off, urec = offsets(u_names)
    counts = np.zeros((steps, len(order), 2), np.int64)

    def table(rows: list, width: int) -> np.ndarray:
        return np.array(rows, np.int64).reshape(-1, width)

    syn_table, lif_table = table(syn_rows, 8), table(lif_rows, 11)
    bias = cat(biases).astype(np.int64) if biases else np.zeros(1, np.int64)
    consts = cat(const_values) if const_values else np.zeros(1, np.int64)
    acc = np.zeros(max(acc_size, 1), np.int64)
    u = np.zeros(max(state_size, 1), np.int64)
    v = np.zeros(max(state_size, 1), np.int64)
    scratch = np.zeros(batch * max_size, np.int64)
    active = np.zeros(batch * max_size, np.int64)
    block = max(1, PROGRESS_BLOCK if progress else steps)
    chunks = [(start, min(full_batch, start + batch)) for start in range(0, full_batch, batch)]
    work = [(c, t0) for c in chunks for t0 in range(0, steps, block)]
    bar = steps_with_progress(len(work), progress, "emulator") if progress else range(len(work))
    for w in bar:
        (start, stop), t0 = work[w]
        if t0 == 0:
            for buf in (hist, acc, u, v):
                buf[:] = 0
        run_program(
            t0, min(steps, t0 + block), stop - start, length, kind, sizes, depth, hist_base, np.array(edge_ptr, np.int64),
            np.array(edge_src, np.int64), np.array(edge_delay, np.int64), inp_off, inputs[start:stop], consts, node_aux,
            syn_table, indptr, indices, weights, delays, acc, lif_table, bias, np.array(state_base, np.int64),
            u, v, hist, scratch, active, rec_off, rec[start:stop], v_off, vrec[start:stop], u_off,
            urec[start:stop], counts,
        )

    def split(off, arr, names):
        return {n: arr[:, :, off[index[n]]: off[index[n]] + sizes[index[n]]] for n in names}

    return split(rec_off, rec, rec_names), split(v_off, vrec, v_names), split(u_off, urec, u_names), counts

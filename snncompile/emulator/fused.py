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

from snncompile.emulator.kernels import _trunc_decay, _wrap32

INPUT, PASS, SYN, LIF = 0, 1, 2, 3
# columns of the per-LIF parameter table
U_FACTOR, V_FACTOR, VTH, RESET, GE, GRADED, VTH_SHIFT, ACT_SHIFT, DECAY_BITS, STATE_BITS = range(10)
# columns of the per-synapse table
S_INPTR, S_NNZ, S_NIN, S_SLOTS, S_ACC, S_WEXP, S_ACCBITS, S_GRADED = range(8)


@njit(cache=True)
def run_program(steps, batch, length, kind, size, depth, hist_base, edge_ptr, edge_src, edge_delay,
                inp_off, inputs, node_aux, syn, indptr, indices, weights, delays, acc,
                lif, bias, state_base, u, v, hist, scratch, active,
                rec_off, rec, v_off, vrec, u_off, urec, counts):
    n_nodes = kind.size
    for t in range(steps):
        for n in range(n_nodes):
            sz = size[n]
            obase = hist_base[n] + (t % depth[n]) * batch * sz
            if kind[n] == INPUT:
                off = inp_off[n]
                for b in range(batch):
                    for i in range(sz):
                        hist[obase + b * sz + i] = inputs[b, t, off + i] if t < length else 0
                continue
            # the summed input of node n
            first = edge_src[edge_ptr[n]]
            in_sz = size[first]
            total = batch * in_sz
            for j in range(total):
                scratch[j] = 0
            for e in range(edge_ptr[n], edge_ptr[n + 1]):
                src = edge_src[e]
                if t - edge_delay[e] < 0:
                    continue
                base = hist_base[src] + ((t - edge_delay[e]) % depth[src]) * total
                for j in range(total):
                    scratch[j] += hist[base + j]
            k = kind[n]
            if k == PASS:
                for j in range(total):
                    hist[obase + j] = scratch[j]
            elif k == SYN:
                _synapse(t, batch, sz, in_sz, syn[node_aux[n]], scratch, active, indptr, indices, weights,
                         delays, acc, hist, obase, counts, n)
            else:
                _lif(batch, sz, lif[node_aux[n]], scratch, state_base[node_aux[n]], bias, u, v, hist, obase,
                     counts, t, n)
            if v_off[n] >= 0:
                sb = state_base[node_aux[n]]
                for b in range(batch):
                    for i in range(sz):
                        vrec[b, t, v_off[n] + i] = v[sb + b * sz + i]
            if u_off[n] >= 0:
                sb = state_base[node_aux[n]]
                for b in range(batch):
                    for i in range(sz):
                        urec[b, t, u_off[n] + i] = u[sb + b * sz + i]
        for n in range(n_nodes):
            if rec_off[n] >= 0:
                sz = size[n]
                obase = hist_base[n] + (t % depth[n]) * batch * sz
                for b in range(batch):
                    for i in range(sz):
                        rec[b, t, rec_off[n] + i] = hist[obase + b * sz + i]


@njit(cache=True, inline="always")
def _synapse(t, batch, n_out, n_in, p, x, active, indptr, indices, weights, delays, acc, hist, obase,
             counts, n):
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
    for k in range(count):
        flat = active[k]
        b = flat // n_in
        i = flat - b * n_in
        payload = x[flat] if graded else 1
        start = nz + indptr[ip + i]
        stop = nz + indptr[ip + i + 1]
        synops += stop - start
        if slots == 1:
            row = p[S_ACC] + b * n_out
            if graded:
                for j in range(start, stop):
                    acc[row + indices[j]] += weights[j] * payload
            else:
                for j in range(start, stop):
                    acc[row + indices[j]] += weights[j]
        else:
            for j in range(start, stop):
                slot = slot0 + delays[j]
                if slot >= slots:
                    slot -= slots
                acc[p[S_ACC] + (slot * batch + b) * n_out + indices[j]] += weights[j] * payload
    counts[t, n, 0] += count
    counts[t, n, 1] += synops
    wexp = p[S_WEXP]
    half = np.int64(1) << (p[S_ACCBITS] - 1)
    mask = (half << 1) - 1
    base = p[S_ACC] + slot0 * batch * n_out
    for j in range(batch * n_out):
        y = acc[base + j]
        y = (y << wexp) if wexp >= 0 else (y >> (-wexp))
        hist[obase + j] = ((y + half) & mask) - half
        acc[base + j] = 0


@njit(cache=True, inline="always")
def _lif(batch, n, p, a, sb, bias_all, u, v, hist, obase, counts, t, node):
    half = np.int64(1) << (p[STATE_BITS] - 1)
    full = half << 1
    vmax = half - 1
    vth = p[VTH]
    ge = p[GE] != 0
    graded = p[GRADED] != 0
    reset = p[RESET]
    bias_base = p[10]
    spikes = 0
    for b in range(batch):
        for i in range(n):
            j = b * n + i
            act = _wrap32(_wrap32(a[j]) << p[ACT_SHIFT])
            cur = _wrap32(_trunc_decay(u[sb + j], p[U_FACTOR], p[DECAY_BITS]) + act)
            if cur > half:
                cur -= full
            elif cur <= -half:
                cur += full
            u[sb + j] = cur
            vol = _trunc_decay(v[sb + j], p[V_FACTOR], p[DECAY_BITS]) + cur + bias_all[bias_base + i]
            if vol > vmax:
                vol = vmax
            elif vol < -vmax:
                vol = -vmax
            spike = vol >= vth if ge else vol > vth
            if spike:
                hist[obase + j] = (vol >> p[VTH_SHIFT]) if graded else 1
                spikes += 1
                if reset == 0:
                    vol = 0
                elif reset == 1:
                    vol -= vth
            else:
                hist[obase + j] = 0
            v[sb + j] = vol
    counts[t, node, 0] += batch * n
    counts[t, node, 1] += spikes


def run_fused(graph, order, shapes, data, steps, length, rec_names, v_names, u_names):
    """Flatten ``graph`` into a program, run it, return (records, v, u, counts) with
    records as name -> (B, T, size) and counts (T, node, 2) in ``order``."""
    from snncompile.emulator.synapses import build_csr
    from snncompile.ir import Input
    from snncompile.ir.fixed import FixedLIF, FixedSynapse
    from snncompile.ir.semantics import Comparator, Reset

    batch = next(iter(data.values())).shape[0]
    index = {name: i for i, name in enumerate(order)}
    sizes = np.array([int(np.prod(shapes[n])) for n in order], np.int64)
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
                             int(node.comparator is Comparator.GE), int(node.graded), node.vth_shift,
                             node.act_shift, node.decay_bits, node.state_bits, bias_size])
            b = node.effective_bias().reshape(-1)
            biases.append(b)
            bias_size += b.size
            state_base.append(state_size)
            state_size += batch * int(sizes[i])
    max_size = int(sizes.max())
    cat = np.concatenate
    indptr = cat([c.indptr for c in csrs]).astype(np.int64) if csrs else np.zeros(1, np.int64)
    indices = cat([c.indices for c in csrs]).astype(np.int64) if csrs else np.zeros(1, np.int64)
    weights = cat([c.weights for c in csrs]).astype(np.int64) if csrs else np.zeros(1, np.int64)
    delays = cat([c.delays for c in csrs]).astype(np.int64) if csrs else np.zeros(1, np.int64)
    inputs = np.ascontiguousarray(cat(in_arrays, axis=2) if in_arrays else np.zeros((batch, 1, 1), np.int64))

    def offsets(names):
        off = np.full(len(order), -1, np.int64)
        total = 0
        for name in names:
            off[index[name]] = total
            total += int(sizes[index[name]])
        return off, np.zeros((batch, steps, max(total, 1)), np.int64)

    rec_off, rec = offsets(rec_names)
    v_off, vrec = offsets(v_names)
    u_off, urec = offsets(u_names)
    counts = np.zeros((steps, len(order), 2), np.int64)

    def table(rows: list, width: int) -> np.ndarray:
        return np.array(rows, np.int64).reshape(-1, width)

    run_program(
        steps, batch, length, kind, sizes, depth, hist_base, np.array(edge_ptr, np.int64),
        np.array(edge_src, np.int64), np.array(edge_delay, np.int64), inp_off, inputs, node_aux,
        table(syn_rows, 8), indptr, indices, weights, delays, np.zeros(max(acc_size, 1), np.int64),
        table(lif_rows, 11), cat(biases).astype(np.int64) if biases else np.zeros(1, np.int64),
        np.array(state_base, np.int64), np.zeros(max(state_size, 1), np.int64),
        np.zeros(max(state_size, 1), np.int64), hist, np.zeros(batch * max_size, np.int64),
        np.zeros(batch * max_size, np.int64), rec_off, rec, v_off, vrec, u_off, urec, counts,
    )

    def split(off, arr, names):
        return {n: arr[:, :, off[index[n]]: off[index[n]] + sizes[index[n]]] for n in names}

    return split(rec_off, rec, rec_names), split(v_off, vrec, v_names), split(u_off, urec, u_names), counts

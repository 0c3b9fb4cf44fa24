"""A fixed graph flattened into arrays (a "program") for the compiled loop in
:mod:`snncompile.emulator.fused`.

Nodes are numbered in step order. Per node: its kind (input, pass-through, synapse,
LIF, constant), size, ``depth`` (1 + its largest outgoing edge delay: the ring of past outputs the
loop keeps), its incoming edges ``(src, delay)`` and an index into the synapse table
(:mod:`snncompile.emulator.tables`) or the LIF table. Records say where each recorded
node's outputs go: spike trains into an int8 record, other payloads into an int32 one.
Everything that depends on the number of samples run at once (state, history) is
allocated per worker by :meth:`Program.state`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.emulator.kernels import payload_code
from snncompile.emulator.tables import (
    S_ACC,
    S_ACC32,
    S_GROUPS,
    S_SLOTS,
    SynapseTables,
    build_tables,
)
from snncompile.ir import Constant, Graph, Input, RandomSpikes, is_spike_train
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.ir.semantics import Comparator, Reset

INPUT, PASS, SYN, LIF, CONST, RAND = 0, 1, 2, 3, 4, 5
# columns of the per-LIF parameter table (GRADED holds kernels.payload_code; REFRACTORY
# the refractory period in steps)
(U_FACTOR, V_FACTOR, VTH, RESET, GE, GRADED, VTH_SHIFT, ACT_SHIFT, DECAY_BITS, STATE_BITS,
 BIAS_OFF, STATE_OFF, REFRACTORY) = range(13)
_RESET = {Reset.ZERO: 0, Reset.SUBTRACT: 1, Reset.NONE: 2}
#: record kinds: not recorded, int8 (0/1 spike trains), int32 (any other payload)
NO_RECORD, RECORD8, RECORD32 = 0, 1, 2


@dataclass
class Program:
    order: list[str]
    kind: np.ndarray
    size: np.ndarray
    depth: np.ndarray
    edge_ptr: np.ndarray
    edge_src: np.ndarray
    edge_delay: np.ndarray
    inp_off: np.ndarray
    node_aux: np.ndarray
    syn: SynapseTables
    lif: np.ndarray
    bias: np.ndarray
    #: the Constant nodes' integer payloads and, per RandomSpikes node, its seed followed by
    #: its per-element thresholds, concatenated (``inp_off`` points into it)
    consts: np.ndarray

    @classmethod
    def build(cls, graph: Graph, order: list[str], shapes: dict) -> Program:
        index = {name: i for i, name in enumerate(order)}
        size = np.array([int(np.prod(shapes[n])) for n in order], np.int64)
        depth = np.ones(len(order), np.int64)
        for e in graph.edges:
            depth[index[e.src]] = max(depth[index[e.src]], e.delay + 1)
        kind = np.full(len(order), PASS, np.int64)
        node_aux = np.full(len(order), -1, np.int64)
        inp_off = np.full(len(order), -1, np.int64)
        edge_ptr, edge_src, edge_delay = [0], [], []
        synapses: list[tuple[FixedSynapse, tuple[int, ...], int]] = []
        lif_rows: list[list[int]] = []
        biases: list[np.ndarray] = []
        consts: list[np.ndarray] = []
        in_total = bias_size = state_size = const_size = 0
        for i, name in enumerate(order):
            node = graph.nodes[name]
            for e in graph.incoming(name):
                edge_src.append(index[e.src])
                edge_delay.append(e.delay)
            edge_ptr.append(len(edge_src))
            if isinstance(node, Input):
                kind[i], inp_off[i] = INPUT, in_total
                in_total += int(size[i])
            elif isinstance(node, Constant):
                kind[i], inp_off[i] = CONST, const_size
                consts.append(np.asarray(node.value).reshape(-1).astype(np.int64))
                const_size += int(size[i])
            elif isinstance(node, RandomSpikes):
                kind[i], inp_off[i] = RAND, const_size
                consts.append(np.concatenate([[node.seed], node.threshold()]).astype(np.int64))
                const_size += int(size[i]) + 1
            elif isinstance(node, FixedSynapse):
                kind[i], node_aux[i] = SYN, len(synapses)
                synapses.append((node, graph.input_shape(name, shapes), int(size[i])))
            elif isinstance(node, FixedLIF):
                kind[i], node_aux[i] = LIF, len(lif_rows)
                unity = 1 << node.decay_bits
                lif_rows.append([unity - (node.du + 1), unity - node.dv, node.effective_threshold(),
                                 _RESET[node.reset], int(node.comparator is Comparator.GE), payload_code(node),
                                 node.vth_shift, node.act_shift, node.decay_bits, node.state_bits, bias_size,
                                 state_size, node.refractory])
                b = node.effective_bias().reshape(-1)
                biases.append(b)
                bias_size += b.size
                state_size += int(size[i])
        syn = build_tables(synapses)
        acc = [0, 0]  # int64, int32 accumulators
        for row, (_, _, out) in zip(syn.rows, synapses):
            row[S_ACC] = acc[row[S_ACC32]]  # per sample; the loop multiplies by the samples it runs at once
            acc[row[S_ACC32]] += int(row[S_SLOTS] + row[S_GROUPS]) * out
        return cls(order, kind, size, depth, np.array(edge_ptr, np.int64), np.array(edge_src, np.int64),
                   np.array(edge_delay, np.int64), inp_off, node_aux, syn,
                   np.array(lif_rows, np.int64).reshape(-1, 13),
                   np.concatenate(biases).astype(np.int64) if biases else np.zeros(1, np.int64),
                   np.concatenate(consts) if consts else np.zeros(1, np.int64))

    def acc_per_sample(self, int32: bool) -> int:
        """Accumulator values per sample (int32 or int64 ones)."""
        rows = self.syn.rows
        sizes = self.size[self.kind == SYN]
        mine = rows[:, S_ACC32] == int(int32) if rows.size else np.zeros(0, bool)
        return int(((rows[mine, S_SLOTS] + rows[mine, S_GROUPS]) * sizes[mine]).sum())

    @property
    def state_per_sample(self) -> int:
        return int(self.size[self.kind == LIF].sum())

    @property
    def history_per_sample(self) -> int:
        return int((self.depth * self.size).sum())

    def footprint(self, batch: int) -> dict[str, int]:
        """Bytes the compiled loop holds while it runs ``batch`` samples at once, by what
        they are (records and inputs are the caller's (batch, time, ...) arrays)."""
        return {
            "synapse tables": self.syn.nbytes,
            "neuron state u, v, refractory counters (int64)": 3 * 8 * self.state_per_sample * batch,
            "node outputs and their delay rings (int64)": 8 * self.history_per_sample * batch,
            "accumulators (int32 or int64)": (8 * self.acc_per_sample(False) + 4 * self.acc_per_sample(True)) * batch,
            "scan buffers": 2 * 8 * int(self.size.max()) * batch,
            "parameters": int(self.lif.nbytes + self.bias.nbytes + self.syn.rows.nbytes),
        }

    def record_layout(self, graph: Graph, names: list[str]) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Per node: record kind and offset within its record; sizes of the int8 and
        int32 records (values per sample and step)."""
        kinds = np.zeros(len(self.order), np.int64)
        offsets = np.full(len(self.order), -1, np.int64)
        totals = [0, 0, 0]
        for name in names:
            i = self.order.index(name)
            k = RECORD8 if is_spike_train(graph, name) else RECORD32
            kinds[i], offsets[i] = k, totals[k]
            totals[k] += int(self.size[i])
        return kinds, offsets, totals[RECORD8], totals[RECORD32]

    def offsets(self, names: list[str]) -> tuple[np.ndarray, int]:
        off = np.full(len(self.order), -1, np.int64)
        total = 0
        for name in names:
            i = self.order.index(name)
            off[i] = total
            total += int(self.size[i])
        return off, total

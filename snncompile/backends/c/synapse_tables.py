"""A synapse node as the constant tables the generated C reads (flash), by source neuron.

Two layouts, both indexed by *source* (an input event visits only its own synapses: cost
∝ spikes x fan-out):

- ``ROWS``: a FixedLinear without per-synapse delays, over a 1-D input, at least
  :data:`ROWS_MIN_DENSITY` nonzero: one dense row of ``n_out`` weights per input (one
  byte per synapse for 8-bit weights, no index to load);
- ``CSR``: anything else (sparse matrices, per-synapse delays, a matrix over leading
  axes, convolutions unrolled): per input the target indices, weights and (when any is
  nonzero) delays of its nonzero synapses (:func:`snncompile.emulator.synapses.build_csr`).

Weights are stored as ``w >> k``, ``k`` the trailing zero bits every weight shares (a
mixed-sign 8-bit matrix always drops one bit, so it fits ``int8_t``), in the narrowest
of int8/uint8/int16/uint16/int32; ``k`` joins the output shift: ``wrap(acc << (weight_exp
+ k), accum_bits)`` is exact because the accumulator never overflows: ``int32_t`` when
spikes are binary and every target's ``sum |w >> k|`` is below ``2**31``, else
``int64_t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.emulator.synapses import build_csr
from snncompile.emulator.tables import common_shift
from snncompile.ir.fixed import FixedLinear, FixedSynapse

ROWS, CSR = "rows", "csr"
#: a FixedLinear at least this dense is stored as dense rows (smaller than CSR above 1/3)
ROWS_MIN_DENSITY = 0.5

#: C type -> (min, max), narrowest first
WEIGHT_TYPES = {"int8_t": (-(2**7), 2**7 - 1), "uint8_t": (0, 2**8 - 1), "int16_t": (-(2**15), 2**15 - 1),
                "uint16_t": (0, 2**16 - 1), "int32_t": (-(2**31), 2**31 - 1)}


@dataclass
class SynapseTables:
    layout: str
    n_in: int
    n_out: int
    weights: np.ndarray  # ROWS: (n_in, n_out); CSR: (nnz,)
    weight_type: str
    shift: int
    acc_type: str
    accum_bits: int
    graded: bool
    slots: int = 1
    indptr: np.ndarray | None = None
    indices: np.ndarray | None = None
    delays: np.ndarray | None = None

    @property
    def synapses(self) -> int:
        return int(np.count_nonzero(self.weights))


def weight_type(w: np.ndarray) -> str:
    lo, hi = (int(w.min()), int(w.max())) if w.size else (0, 0)
    for name, (tmin, tmax) in WEIGHT_TYPES.items():
        if tmin <= lo and hi <= tmax:
            return name
    raise ValueError(f"weights [{lo}, {hi}] do not fit 32 bits")


def build_tables(node: FixedSynapse, in_shape: tuple[int, ...], n_out: int) -> SynapseTables:
    n_in = int(np.prod(in_shape))
    eff = node.effective_weight()
    k = common_shift(eff)
    graded = node.num_message_bits > 0
    rows = _rows_layout(node, eff, in_shape)
    if rows:
        w = (eff >> k).T.copy()  # (n_in, n_out): one row per source
        sums = np.abs(w).sum(axis=0) if w.size else np.zeros(1, np.int64)
        extra: dict = {}
        layout = ROWS
    else:
        csr = build_csr(node, in_shape, n_out)
        w = csr.weights.astype(np.int64) >> k
        sums = np.bincount(csr.indices, weights=np.abs(w), minlength=n_out) if w.size else np.zeros(1)
        delays = csr.delays if csr.max_delay > 0 else None  # delays only on zero weights: none left
        extra = dict(indptr=csr.indptr, indices=csr.indices, delays=delays, slots=csr.max_delay + 1)
        layout = CSR
    acc32 = not graded and float(np.max(sums, initial=0)) < 2**31
    return SynapseTables(layout, n_in, n_out, w, weight_type(w), node.weight_exp + k, "int32_t" if acc32 else "int64_t",
                         node.accum_bits, graded, **extra)


def _rows_layout(node: FixedSynapse, eff: np.ndarray, in_shape: tuple[int, ...]) -> bool:
    if not isinstance(node, FixedLinear) or len(in_shape) != 1 or eff.size == 0:
        return False
    if node.delays is not None and np.any(node.delays[eff != 0]):
        return False
    return np.count_nonzero(eff) >= ROWS_MIN_DENSITY * eff.size

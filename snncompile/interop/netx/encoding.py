"""How lava-dl 0.6.0's netx turns the numbers of a ``.net`` file into Lava processes.

Everything here restates netx's own code (``lava/lib/dl/netx/hdf5.py``,
``netx/utils.py``, ``netx/blocks/process.py``, lava-dl 0.6.0) so that the reader and the
writer agree with ``netx.hdf5.Network`` bit for bit without importing lava-dl; the
tests check each function against netx itself.

Neuron (``hdf5.py`` ``get_neuron_params``, types ``CUBA`` / ``LOIHI``): Lava's ``LIF``
with ``du = iDecay - 1``, ``dv = vDecay``, ``vth = vThMant`` and a bias ``bias_mant = bias``
with ``bias_exp = 6`` fixed (the file's ``bias`` is cast with ``astype(int)``, truncating).

Dense weights (``utils.py`` ``optimize_weight_bits``): the file holds "descaled" integer
weights ``W`` (SLAYER's ``quantize_8bit(w, descale=True)``: even values in [-256, 254]).
netx shifts them left by ``scale_bits`` to fill Lava's 8-bit mantissa and hands Lava's
``Dense`` ``weight_exp = -scale_bits`` and ``num_weight_bits = 8 - scale_bits - n``;
Lava then decides the sign mode from the shifted matrix, clips and drops low bits.
When nothing is lost the synapse computes exactly ``W @ s``. :func:`dense_encoding`
returns what Lava receives; :func:`exact_dense_fields` the FixedLinear fields that
compute it, or why they do not compute ``W @ s``.
``dense_rec`` layers encode ``[W, W_rec]`` together (one ``scale_bits``).

Conv weights go to Lava's ``Conv`` unchanged (no exponent; Lava's CPU ``Conv`` neither
clips nor truncates). Delays on dense layers (``delay``: a scalar, one per output
neuron, one per input, or a full (out, in) matrix) become ``DelayDense`` delays (a spike
reaches the neuron ``1 + d`` steps later); netx clips them to 62.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: netx's fixed bias exponent (``'bias_exp': 6`` in ``get_neuron_params``)
BIAS_EXP = 6
#: ``DelayDense(max_delay=62)`` in netx's blocks; netx clips larger file delays to 62
MAX_DELAY = 62
#: neuron types netx runs as Lava's LIF
LIF_TYPES = ("CUBA", "LOIHI")
#: layer types netx 0.6.0 builds (``hdf5.py`` ``_create``), and the ones read here
NETX_LAYER_TYPES = ("input", "conv", "flatten", "dense", "dense_rec", "dense_comp")
READ_LAYER_TYPES = ("input", "conv", "flatten", "dense", "dense_rec")


@dataclass(frozen=True)
class DenseEncoding:
    """What netx hands Lava's ``Dense`` for a file weight matrix (sign mode left to Lava)."""

    weight: np.ndarray  # the file weights << scale_bits
    num_weight_bits: int
    weight_exp: int
    scale_bits: int


def dense_encoding(weight: np.ndarray) -> DenseEncoding:
    """netx's ``optimize_weight_bits`` (lava-dl 0.6.0 ``netx/utils.py`` lines 80-158) on
    an integer matrix; raises ValueError where netx would fail or shift by a negative
    amount (an all-zero matrix divides by zero there; weights beyond 8 bits)."""
    w = np.asarray(weight, dtype=np.int64)
    if w.size == 0 or not np.any(w):
        raise ValueError("all weights are zero (netx's optimize_weight_bits divides by the largest weight)")
    hi, lo = int(w.max()), int(w.min())
    if hi > 254 and lo < 0 or lo < -256 and hi > 0:
        raise ValueError(f"mixed-sign weights in [{lo}, {hi}] exceed netx's [-256, 254] (netx would clip them)")
    if hi < 0:
        signed, scale = 0, -256 / lo
    elif lo >= 0:
        signed, scale = 0, 255 / hi
    else:
        signed = 1
        scale = min(127 / hi if hi > 0 else np.inf, -128 / lo)
    scale_bits = int(np.floor(np.log2(scale))) + signed
    if scale_bits < 0:
        raise ValueError(f"weights in [{lo}, {hi}] exceed netx's 8-bit range")
    n = 8
    while n > 0 and np.any(w % (1 << n)):
        n -= 1
    n -= signed
    return DenseEncoding(w << scale_bits, 8 - scale_bits - n, -scale_bits, scale_bits)


def broadcast_delay(delay: np.ndarray, weight_shape: tuple[int, ...]) -> np.ndarray:
    """netx's reading of a dense layer's ``delay`` (``hdf5.py`` ``create_dense``): a scalar
    for every synapse; a vector per output neuron when its length is the number of
    outputs (checked first), else per input; else a full (out, in) matrix. Raises
    ValueError for any other shape."""
    d = np.asarray(delay)
    out, inp = weight_shape
    if d.ndim == 0:
        return np.full(weight_shape, d.item())
    if d.ndim == 1:
        if d.size == out:
            return np.repeat(d.reshape(-1, 1), inp, axis=1)
        if d.size == inp:
            return np.repeat(d.reshape(1, -1), out, axis=0)
    if d.shape == weight_shape:
        return d
    raise ValueError(f"delay of shape {d.shape} fits neither the outputs ({out}), the inputs ({inp}) "
                     f"nor the weights {weight_shape}")


def exact_dense_fields(weight: np.ndarray, encoding: DenseEncoding | None = None) -> dict:
    """FixedLinear fields for what Lava computes from file weights ``weight`` (given, or
    netx's own :func:`dense_encoding` of them): the shifted mantissas, their exponent and
    width, sign mode decided by Lava. Raises ValueError unless that synapse computes
    exactly ``weight @ s`` (nothing clipped or truncated, fields within the IR's ranges)."""
    from snncompile.ir.fixed import FixedLinear

    w = np.asarray(weight, dtype=np.int64)
    enc = encoding or dense_encoding(w)
    if not 1 <= enc.num_weight_bits <= 8:
        raise ValueError(f"netx would give Lava num_weight_bits={enc.num_weight_bits} for weights in "
                         f"[{w.min()}, {w.max()}] (Loihi synapses hold 1..8 bits)")
    node = FixedLinear(weight=enc.weight, weight_exp=enc.weight_exp, num_weight_bits=enc.num_weight_bits)
    if not np.array_equal(node.effective_weight(), enc.weight):
        raise ValueError(f"Lava's {node.resolved_sign_mode().value} synapse would not keep weights in "
                         f"[{w.min()}, {w.max()}] exactly (clipped or truncated)")
    return {"weight": enc.weight, "weight_exp": enc.weight_exp, "num_weight_bits": enc.num_weight_bits}

"""Float → integer conversions, each with its rounding rule stated.

These are the only places a float parameter becomes an integer; the passes call them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.errors import InputError
from snncompile.passes.quantize.spec import FixedPointSpec


def to_int(x: np.ndarray | float, rounding: str) -> np.ndarray:
    """``nearest``: round half away from zero; ``trunc``: toward zero. Returns int64.

    A tiny relative tolerance keeps products like ``0.04 · 4096`` from truncating to
    163 when the decimal intent is 163.84 (float error is ~1e-14 relative)."""
    x = np.asarray(x, dtype=np.float64)
    nudged = x + np.sign(x) * np.abs(x) * 1e-12
    if rounding == "trunc":
        return np.trunc(nudged).astype(np.int64)
    return (np.sign(x) * np.floor(np.abs(nudged) + 0.5)).astype(np.int64)


@dataclass(frozen=True)
class WeightGrid:
    """The mantissas a synapse matrix can hold: multiples of ``step`` in [lo, hi].

    Lava (and Loihi) drop the low ``8 - bits + mixed`` bits of each mantissa, so a
    mixed-sign matrix with 8 bits has even mantissas in [-256, 254]."""

    lo: int
    hi: int
    step: int
    sign_mode: str

    @property
    def magnitude(self) -> int:
        """The largest magnitude usable on the side(s) the matrix has."""
        return self.hi if self.sign_mode != "inhibitory" else -self.lo


def weight_grid(weight: np.ndarray, spec: FixedPointSpec, bits: int | None = None) -> WeightGrid:
    """Sign mode from the float weights (as Lava's ``determine_sign_mode``), range from
    the target's mantissa width, step from ``bits`` (default: the full width)."""
    full = spec.weight_mantissa_bits
    bits = full if bits is None else min(int(bits), full)
    positive, negative = bool(np.any(weight > 0)), bool(np.any(weight < 0))
    mixed = positive and negative
    step = 2 ** (full - bits + (spec.mixed_sign_extra_shift if mixed else 0))
    top = 2**full - 1
    if mixed:
        return WeightGrid(-(2**full), (top // step) * step, step, "mixed")
    if negative:
        return WeightGrid(-(top // step) * step, 0, step, "inhibitory")
    return WeightGrid(0, (top // step) * step, step, "excitatory")


def quantize_to_grid(x: np.ndarray, grid: WeightGrid, rounding: str) -> tuple[np.ndarray, int]:
    """Mantissas for real-valued targets ``x``: rounded to the grid step, clipped to its
    range. Returns (mantissas int64, number of entries clipped)."""
    m = to_int(np.asarray(x) / grid.step, rounding) * grid.step
    clipped = int(np.count_nonzero((m < grid.lo) | (m > grid.hi)))
    return np.clip(m, grid.lo, grid.hi), clipped


def exponent_for(max_abs: float, magnitude: int) -> int:
    """The smallest integer ``e`` with ``max_abs / 2**e <= magnitude`` (up to a relative
    1e-9, so a scale computed to fill the range exactly is not pushed one exponent up by
    float error; rounding then lands on ``magnitude``)."""
    if max_abs <= 0:
        return 0
    if not np.isfinite(max_abs):
        raise InputError(f"a scaled weight range of {max_abs} has no exponent (the layer scale is too large)")
    limit = magnitude * (1 + 1e-9)
    ratio = max_abs / magnitude
    e = int(np.ceil(np.log2(ratio))) if ratio > 0 else -64  # a ratio that underflows to 0: the smallest

    while max_abs / 2.0**e > limit:  # guard the log's float error
        e += 1
    while e > -64 and max_abs / 2.0 ** (e - 1) <= limit:
        e -= 1
    return e


def split_bias(value: np.ndarray, spec: FixedPointSpec, rounding: str) -> tuple[np.ndarray, np.ndarray, int]:
    """``value ≈ bias_mant << bias_exp`` per neuron, with the smallest exponent that fits
    the mantissa. Returns (mant, exp, number clipped at the largest exponent)."""
    value = np.asarray(value, dtype=np.float64)
    exp = np.zeros(value.shape, dtype=np.int64)
    for e in range(spec.bias_exp_max, -1, -1):
        fits = np.abs(to_int(value / 2.0**e, rounding)) <= spec.bias_mant_max
        exp = np.where(fits, e, exp)
    too_big = np.abs(to_int(value / 2.0**spec.bias_exp_max, rounding)) > spec.bias_mant_max
    exp = np.where(too_big, spec.bias_exp_max, exp)
    mant = to_int(value / 2.0**exp, rounding)
    clipped = int(np.count_nonzero(np.abs(mant) > spec.bias_mant_max))
    return np.clip(mant, -spec.bias_mant_max, spec.bias_mant_max), exp, clipped

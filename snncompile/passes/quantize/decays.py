"""A float decay (the fraction of ``u`` or ``v`` kept per step) as each decay encoding's
integer constant, and back (:mod:`snncompile.ir.arithmetic`, ``DecayEncoding``).

One :class:`Encoding` per encoding, looked up in :data:`ENCODINGS`:

- ``multiply`` (Lava): ``v`` keeps ``(U - dv) / U``, ``u`` keeps ``(U - du - 1) / U``
  (``U`` = the options' ``decay_unity`` or ``2**decay_bits``); ``dv = rnd(U (1 - decay))``,
  ``du = rnd(U (1 - syn_decay)) - 1`` (``du = -1`` keeps all; ``2**bits - 1`` keeps none);
- ``shift`` (Xylo): a state keeps about ``1 - 2**-d`` (``x - (x >> d)``; it also moves by at
  least one unit); ``d = round(-log2(1 - decay))`` — Rockpool's ``round(log2(tau / dt))``
  with ``tau = dt / (1 - decay)`` — clipped to ``0 .. 2**bits - 1``; ``decay = 1`` gets the
  largest shift (an approximation: the chip always leaks);
- ``none`` (IAF cores): no constants; only ``decay = 1`` and no current memory compile.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from snncompile.errors import UnsupportedError
from snncompile.ir.arithmetic import DecayEncoding
from snncompile.passes.quantize.numbers import to_int


@dataclass(frozen=True)
class Encoding:
    """``membrane(name, decay, bits, unity, rounding) -> dv``; ``current(name, syn_decay,
    bits, unity, rounding) -> du`` (``syn_decay = 0``: no current memory);
    ``kept_current(du, bits, unity)``: the fraction of ``u`` the chip keeps per step."""

    membrane: Callable[[str, float, int, int, str], int]
    current: Callable[[str, float, int, int, str], int]
    kept_current: Callable[[int, int, int], float]


def _multiply_membrane(name: str, decay: float, bits: int, unity: int, rounding: str) -> int:
    return int(min(to_int(unity * (1 - decay), rounding), 2**bits - 1))


def _multiply_current(name: str, syn_decay: float, bits: int, unity: int, rounding: str) -> int:
    if syn_decay == 0:
        return 2**bits - 1
    return int(min(max(to_int(unity * (1 - syn_decay), rounding) - 1, -1), 2**bits - 1))


def _shift(decay: float, bits: int) -> int:
    if decay <= 0:
        return 0
    if decay >= 1:
        return 2**bits - 1
    return int(min(max(round(-math.log2(1 - decay)), 0), 2**bits - 1))


def _none_membrane(name: str, decay: float, bits: int, unity: int, rounding: str) -> int:
    if decay != 1:
        raise UnsupportedError(f"neuron '{name}': membrane decay {decay:g}; the target's neurons do not leak "
                               "(integrate-and-fire: decay must be 1; express a leak as a bias)")
    return 0


def _none_current(name: str, syn_decay: float, bits: int, unity: int, rounding: str) -> int:
    if syn_decay != 0:
        raise UnsupportedError(f"neuron '{name}': synaptic current decay {syn_decay:g}; the target's neurons "
                               "keep no current (use a neuron without synaptic memory)")
    return 0


ENCODINGS: dict[DecayEncoding, Encoding] = {
    DecayEncoding.MULTIPLY: Encoding(_multiply_membrane, _multiply_current,
                                     lambda du, bits, unity: (unity - du - 1) / unity),
    DecayEncoding.SHIFT: Encoding(lambda name, decay, bits, unity, rnd: _shift(decay, bits),
                                  lambda name, decay, bits, unity, rnd: _shift(decay, bits),
                                  lambda du, bits, unity: 1 - 2.0**-du),
    DecayEncoding.NONE: Encoding(_none_membrane, _none_current, lambda du, bits, unity: 0.0),
}

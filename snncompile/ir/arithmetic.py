"""The integer arithmetic choices a chip's neuron core makes, declared once.

Every integer neuron (:class:`~snncompile.ir.fixed.FixedLIF`) and synapse
(:class:`~snncompile.ir.fixed.FixedSynapse`) carries these as fields; a target
descriptor's ``[fixed_point]`` table names them (:mod:`snncompile.passes.quantize.spec`);
the emulator runs each one (:mod:`snncompile.emulator.kernels`). The first member of each
enum is Lava's (Loihi's) convention and the fields' default, so a graph that names none
of them means what it always meant.

With ``S`` bits of state, ``lo, hi`` the state range and ``sat(x) = min(max(x, lo), hi)``:

- :class:`DecayEncoding` — how a decay constant ``d`` shrinks a state ``x`` per step:
  ``MULTIPLY`` ``trunc0(x * (2**B - d) / 2**B)`` (``B`` decay bits, toward zero; Lava
  keeps ``(2**B - du - 1) / 2**B`` of ``u``), ``SHIFT`` ``x - dx`` with
  ``dx = x >> d`` (arithmetic, flooring) replaced by ``sign(x)`` when it is 0 (Xylo:
  a nonzero state always moves by at least one), ``NONE`` no decay of ``v`` and no
  memory in ``u`` (``u`` is the step's input; IAF cores);
- :class:`InputTiming` — whether the step's synaptic input joins ``u`` ``AFTER_DECAY``
  (``u = D(u) + a``, Lava) or ``BEFORE_DECAY`` (``u = D(u + a)``, Xylo: the recorded
  current has already decayed once);
- :class:`Overflow` of ``u``: ``WRAP`` (Lava: the int32 sum wraps once into ``S`` bits)
  or ``SATURATE`` (every synaptic event saturates on its own, in order: see
  :class:`Accumulate`);
- :class:`MembraneUpdate` — ``CLIP_SUM`` ``v = sat(D(v) + u + bias)`` (Lava) or
  ``SATURATE_EACH`` ``dv = sat(wrapS(D(v) - v) + u); dv = sat(dv + bias); v = sat(v + dv)``
  (XyloSim's ``XyloIAFNeuron::evolve``: every addition saturates, the negated decay is an
  ``S``-bit integer);
- :class:`StateRange` — ``SYMMETRIC`` ``[-(2**(S-1) - 1), 2**(S-1) - 1]`` (Lava clips
  ``v`` so) or ``TWOS_COMPLEMENT`` ``[-2**(S-1), 2**(S-1) - 1]`` (Xylo's int16);
- :class:`WeightRange` of a mixed-sign weight of ``b`` magnitude bits:
  ``TWOS_COMPLEMENT`` ``[-2**b, 2**b - 1]`` (Lava, Xylo) or ``SYMMETRIC``
  ``[-(2**b - 1), 2**b - 1]`` (sign and magnitude);
- :class:`Accumulate` — how a synapse node hands on one step's events: ``WRAP`` sums
  them (``acc << weight_exp`` wrapped to ``accum_bits``; Lava) or ``SATURATE`` applies
  each event ``(w << weight_exp) * payload`` to the target neuron's current one at a
  time, saturating at ``accum_bits``, sources in ascending index (XyloSim's
  ``deliver_spikes``); the emulator hands on the composition of those saturating adds
  (:func:`snncompile.emulator.kernels.csr_saturate`).
"""

from __future__ import annotations

from enum import Enum


class DecayEncoding(str, Enum):
    MULTIPLY = "multiply"
    SHIFT = "shift"
    NONE = "none"


class InputTiming(str, Enum):
    AFTER_DECAY = "after_decay"
    BEFORE_DECAY = "before_decay"


class Overflow(str, Enum):
    WRAP = "wrap"
    SATURATE = "saturate"


class MembraneUpdate(str, Enum):
    CLIP_SUM = "clip_sum"
    SATURATE_EACH = "saturate_each"


class StateRange(str, Enum):
    SYMMETRIC = "symmetric"
    TWOS_COMPLEMENT = "twos_complement"

    def bounds(self, bits: int) -> tuple[int, int]:
        """``(lo, hi)`` of a ``bits``-bit signed state."""
        hi = (1 << (bits - 1)) - 1
        return (-hi if self is StateRange.SYMMETRIC else -hi - 1), hi


class WeightRange(str, Enum):
    TWOS_COMPLEMENT = "twos_complement"
    SYMMETRIC = "symmetric"


class Accumulate(str, Enum):
    WRAP = "wrap"
    SATURATE = "saturate"


#: FixedLIF field -> its enum (the neuron's arithmetic); defaults are each enum's first member
NEURON_ARITHMETIC: dict[str, type[Enum]] = {
    "decay_encoding": DecayEncoding,
    "input_timing": InputTiming,
    "current_overflow": Overflow,
    "membrane_update": MembraneUpdate,
    "state_range": StateRange,
}
#: FixedSynapse field -> its enum
SYNAPSE_ARITHMETIC: dict[str, type[Enum]] = {
    "weight_range": WeightRange,
    "accumulate": Accumulate,
}


def default_of(enum: type[Enum]) -> Enum:
    """The enum's first member: Lava's convention, every field's default."""
    return next(iter(enum))


def non_default(node: object, fields: dict[str, type[Enum]]) -> dict[str, str]:
    """The arithmetic fields of ``node`` that differ from Lava's, as ``{field: value}``."""
    return {name: getattr(node, name).value for name, enum in fields.items()
            if getattr(node, name) is not default_of(enum)}

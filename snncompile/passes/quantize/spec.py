"""The integer convention a target computes in (its ``[fixed_point]`` table).

Widths and arithmetic are never constants in the quantizer: they come from a target
descriptor (``targets/<name>.toml``, table ``[fixed_point]``) or from a plain mapping with
the same keys. A value may be given bare (``8``) or as a figure (``{value = 8, source =
...}``). Every key is a field of :class:`FixedPointSpec`; the arithmetic choices are the
enums of :mod:`snncompile.ir.arithmetic` (one name each, Lava's first), so a target's
arithmetic is data: the quantizer writes it into every FixedLIF / FixedSynapse and the
emulator runs it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from snncompile.errors import InputError
from snncompile.ir.arithmetic import (
    Accumulate,
    DecayEncoding,
    InputTiming,
    MembraneUpdate,
    Overflow,
    StateRange,
    WeightRange,
)

#: what the target shares between synapses (informative: the mapping rules use it)
WEIGHT_SHARING = ("none", "convolution", "axon_types")
#: how the decay rounds: MULTIPLY truncates toward zero, SHIFT floors (and moves by >= 1)
ROUNDING_OF = {DecayEncoding.MULTIPLY: "toward_zero", DecayEncoding.SHIFT: "floor", DecayEncoding.NONE: None}
#: figure provenance that marks a stated assumption (the chip's arithmetic is not public)
ASSUMED = "assumed"


def _choice(default: str, choices: tuple[str, ...]) -> Any:
    return field(default=default, metadata={"choices": choices})


def _values(enum: Any) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


@dataclass(frozen=True)
class FixedPointSpec:
    """Bit widths, shifts and arithmetic of a target's integer neuron core.

    - weights: ``mantissa << weight_exp``; mantissas of ``weight_mantissa_bits`` plus a
      sign (``weight_range``: two's complement or symmetric); a mixed-sign matrix loses
      ``mixed_sign_extra_shift`` low bits; ``weight_exp`` within
      ``[weight_exp_min, weight_exp_max]``;
    - ``u`` / ``v``: ``u_bits`` / ``v_bits`` signed state (equal: a FixedLIF has one
      width) in ``state_range``; synaptic input enters ``u`` shifted left by
      ``activation_shift``, ``input_timing`` before or after the decay; ``u_overflow``
      wrap (Lava) or saturate per event (Xylo); ``v_overflow`` saturates;
      ``membrane_update`` clip_sum or saturate_each;
    - decays: ``decay_encoding`` multiply (``du_bits`` / ``dv_bits`` integers over
      ``decay_denominator = 2**dv_bits``), shift (``d``-bit shifts), or none (IAF);
    - threshold: a ``threshold_mant_bits`` unsigned mantissa compared after
      ``<< threshold_shift`` with one of ``comparators``; a neuron that is not an output
      sends up to ``max_spikes_hidden`` spikes per step, an output neuron up to
      ``max_spikes_output`` (subtract reset; 1 = binary spikes);
    - bias: ``bias_mant`` (``bias_mant_bits`` signed) ``<< bias_exp`` (``bias_exp_bits``
      unsigned);
    - timing: ``synapse_latency`` steps per synapse stage between neurons,
      ``input_latency`` from an input channel (-1: the same), extra delays up to
      ``max_delay``; ``max_input_payload`` clips input spike counts (0: no limit);
    - ``weight_sharing``: what synapses share on the chip (informative);
    - ``assumed``: the keys the descriptor marks ``assumed`` (not published).
    """

    weight_mantissa_bits: int
    u_bits: int
    v_bits: int
    du_bits: int
    dv_bits: int
    threshold_mant_bits: int
    bias_mant_bits: int
    mixed_sign_extra_shift: int = 0
    decay_denominator: int = 0
    threshold_shift: int = 0
    activation_shift: int = 0
    bias_exp_bits: int = 0
    synapse_latency: int = 1
    input_latency: int = -1
    max_delay: int = 0
    weight_exp_min: int = -16
    weight_exp_max: int = 16
    max_spikes_hidden: int = 1
    max_spikes_output: int = 1
    max_input_payload: int = 0
    decay_encoding: str = _choice("multiply", _values(DecayEncoding))
    input_timing: str = _choice("after_decay", _values(InputTiming))
    u_overflow: str = _choice("wrap", _values(Overflow))
    v_overflow: str = _choice("saturate", ("saturate",))
    membrane_update: str = _choice("clip_sum", _values(MembraneUpdate))
    state_range: str = _choice("symmetric", _values(StateRange))
    weight_range: str = _choice("twos_complement", _values(WeightRange))
    rounding: str = _choice("toward_zero", ("toward_zero", "floor", "none"))
    weight_sharing: str = _choice("none", WEIGHT_SHARING)
    comparators: tuple[str, ...] = (">", ">=")
    assumed: tuple[str, ...] = ()
    target: str = "custom"

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InputError(f"fixed point of '{self.target}': {'; '.join(problems)}")

    def problems(self) -> list[str]:
        """Keys that contradict each other (every one)."""
        out = []
        if self.u_bits != self.v_bits:
            out.append(f"u_bits ({self.u_bits}) and v_bits ({self.v_bits}) must be equal: a neuron has one state width")
        if self.encoding is DecayEncoding.MULTIPLY and self.decay_denominator not in (0, 2**self.dv_bits):
            out.append(f"decay_denominator must be 2**dv_bits = {2**self.dv_bits}, found {self.decay_denominator}")
        if self.encoding is DecayEncoding.MULTIPLY and self.du_bits != self.dv_bits:
            out.append(f"du_bits ({self.du_bits}) and dv_bits ({self.dv_bits}) must be equal (one decay width)")
        wanted = ROUNDING_OF[self.encoding]
        if wanted is not None and self.rounding != wanted:
            out.append(f"decay_encoding '{self.decay_encoding}' rounds '{wanted}', found rounding '{self.rounding}'")
        bad = [c for c in self.comparators if c not in (">", ">=")]
        if bad or not self.comparators:
            out.append(f"comparators must be a non-empty list of '>' / '>=', found {list(self.comparators)}")
        if self.overflow is Overflow.SATURATE and self.activation_shift:
            out.append("u_overflow 'saturate' adds events unshifted: activation_shift must be 0")
        if self.weight_exp_min > self.weight_exp_max:
            out.append(f"weight_exp_min {self.weight_exp_min} > weight_exp_max {self.weight_exp_max}")
        if self.max_spikes_hidden < 1 or self.max_spikes_output < 1:
            out.append("max_spikes_hidden and max_spikes_output must be >= 1")
        return out

    # -- the arithmetic as enums ------------------------------------------------------------
    @property
    def encoding(self) -> DecayEncoding:
        return DecayEncoding(self.decay_encoding)

    @property
    def overflow(self) -> Overflow:
        return Overflow(self.u_overflow)

    @property
    def accumulate(self) -> Accumulate:
        """How the chip's synapses hand on events: saturating currents need saturating
        synapses (see :class:`~snncompile.ir.arithmetic.Accumulate`)."""
        return Accumulate.SATURATE if self.overflow is Overflow.SATURATE else Accumulate.WRAP

    @property
    def input_steps(self) -> int:
        """Steps from an input channel to the first neurons."""
        return self.synapse_latency if self.input_latency < 0 else self.input_latency

    def neuron_fields(self) -> dict[str, Any]:
        """Widths and arithmetic every FixedLIF of this target carries."""
        return dict(
            state_bits=self.v_bits, decay_bits=self.dv_bits, vth_bits=self.threshold_mant_bits,
            bias_bits=self.bias_mant_bits, vth_shift=self.threshold_shift, act_shift=self.activation_shift,
            decay_encoding=self.encoding, input_timing=InputTiming(self.input_timing), current_overflow=self.overflow,
            membrane_update=MembraneUpdate(self.membrane_update), state_range=StateRange(self.state_range),
        )

    def synapse_fields(self) -> dict[str, Any]:
        """Widths and arithmetic every FixedSynapse of this target carries."""
        fields: dict[str, Any] = dict(weight_bits=self.weight_mantissa_bits,
                                      mixed_sign_extra_shift=self.mixed_sign_extra_shift,
                                      weight_range=WeightRange(self.weight_range), accumulate=self.accumulate)
        if self.accumulate is Accumulate.SATURATE:
            fields["accum_bits"] = self.u_bits
        return fields

    # -- derived ranges ---------------------------------------------------------------
    @property
    def weight_max(self) -> int:
        return 2**self.weight_mantissa_bits - 1

    @property
    def state_max(self) -> int:
        """Largest magnitude of ``v`` (saturating) and ``u`` (wrapping)."""
        return 2 ** (min(self.u_bits, self.v_bits) - 1) - 1

    @property
    def threshold_max(self) -> int:
        return 2**self.threshold_mant_bits - 1

    @property
    def bias_mant_max(self) -> int:
        return 2 ** (self.bias_mant_bits - 1) - 1

    @property
    def bias_exp_max(self) -> int:
        return 2**self.bias_exp_bits - 1

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["comparators"] = list(self.comparators)
        out["assumed"] = list(self.assumed)
        return out

    def digest(self) -> str:
        """sha256 of the canonical JSON of these numbers (stable across file edits that
        do not change them)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], target: str = "custom", source: str = "fixed_point",
                     assumed: tuple[str, ...] = ()) -> FixedPointSpec:
        """Read the spec from a ``[fixed_point]``-style mapping; every missing, unknown or
        ill-typed key is reported at once."""
        values: dict[str, Any] = {}
        problems = []
        known = {f.name for f in dataclasses.fields(cls)} - {"target", "assumed"}
        problems += [f"unknown key '{k}'" for k in table if k not in known | {"assumed", "target"}]
        if target == "custom" and isinstance(table.get("target"), str):  # a spec's own to_dict()
            target = table["target"]
        listed = _figure_value(table.get("assumed")) or ()  # a spec's own to_dict() lists them
        if not (isinstance(listed, (list, tuple)) and all(isinstance(k, str) for k in listed)):
            problems.append(f"'assumed' must be a list of keys, found {listed!r}")
            listed = ()
        assumed = tuple(dict.fromkeys((*assumed, *listed)))
        for f in dataclasses.fields(cls):
            if f.name not in known:
                continue
            raw = _figure_value(table.get(f.name))
            if raw is None:
                if f.default is dataclasses.MISSING:
                    problems.append(f"missing '{f.name}'")
                continue
            problem = _type_problem(f, raw)
            if problem:
                problems.append(problem)
                continue
            values[f.name] = tuple(raw) if f.name == "comparators" else raw
        if problems:
            raise InputError(f"{source}: {'; '.join(problems)}")
        try:
            return cls(target=target, assumed=tuple(assumed), **values)
        except InputError as exc:
            raise InputError(f"{source}: {str(exc).split(': ', 1)[-1]}") from None


def _type_problem(f: dataclasses.Field, raw: Any) -> str | None:
    choices = f.metadata.get("choices")
    if choices is not None:
        return None if raw in choices else f"'{f.name}' must be one of {list(choices)}, found {raw!r}"
    if f.name == "comparators":
        ok = isinstance(raw, (list, tuple)) and all(isinstance(c, str) for c in raw)
        return None if ok else f"'comparators' must be a list of strings, found {raw!r}"
    if isinstance(raw, bool) or not isinstance(raw, int):
        return f"'{f.name}' must be an integer, found {raw!r}"
    return None


def _figure_value(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return raw.get("value")
    if hasattr(raw, "value") and hasattr(raw, "provenance"):
        return raw.value
    return raw


def _assumed_keys(table: Mapping[str, Any]) -> tuple[str, ...]:
    def provenance(raw: Any) -> Any:
        return raw.get("provenance") if isinstance(raw, Mapping) else getattr(raw, "provenance", None)

    return tuple(k for k, raw in table.items() if provenance(raw) == ASSUMED)


def spec_from_target(target: Any) -> FixedPointSpec:
    """The fixed-point spec of ``target``: a FixedPointSpec (returned as is), a mapping
    of widths, a loaded target object with a ``fixed_point`` table, or a target name or
    path resolved by :mod:`snncompile.targets`."""
    if isinstance(target, FixedPointSpec):
        return target
    if isinstance(target, Mapping):
        return FixedPointSpec.from_mapping(target, assumed=_assumed_keys(target))
    if isinstance(target, str):
        target = load_target_descriptor(target)
    table = getattr(target, "fixed_point", None)
    name = getattr(target, "name", "target")
    path = getattr(target, "path", None)
    where = f"{path}: target '{name}'" if path else f"target '{name}'"  # a user's file is named by its path
    if not table:
        raise InputError(f"{where} has no [fixed_point] table: it cannot be quantized for")
    return FixedPointSpec.from_mapping(table, target=name, source=f"{where} [fixed_point]",
                                       assumed=_assumed_keys(table))


def load_target_descriptor(name_or_path: str) -> Any:
    """Load a target descriptor through :mod:`snncompile.targets` (the targets branch)."""
    try:
        from snncompile.targets import load_target
    except ImportError:
        raise InputError(
            f"cannot load target '{name_or_path}': this build has no target descriptors "
            "(snncompile.targets); pass the fixed-point widths as a mapping"
        ) from None
    return load_target(name_or_path)


def descriptor_hash(target: Any) -> str | None:
    """sha256 of the target's descriptor file, when it came from one."""
    path = getattr(target, "path", None)
    if path is None:
        return None
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()

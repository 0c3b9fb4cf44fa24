"""The integer convention a target computes in (its ``[fixed_point]`` table).

Widths are never constants in the quantizer: they come from a target descriptor
(``targets/<name>.toml``, table ``[fixed_point]``) or from a plain mapping with the same
keys. A value may be given bare (``8``) or as a figure (``{value = 8, source = ...}``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snncompile.errors import InputError


@dataclass(frozen=True)
class FixedPointSpec:
    """Bit widths and shifts of a Loihi-style integer neuron core.

    - weights: ``mantissa << weight_exp``; mantissas of ``weight_mantissa_bits`` plus a
      sign; a mixed-sign matrix loses ``mixed_sign_extra_shift`` low bits;
    - ``u`` / ``v``: ``u_bits`` / ``v_bits`` signed state; synaptic input enters ``u``
      shifted left by ``activation_shift``;
    - decays: ``du_bits`` / ``dv_bits`` integers over ``decay_denominator``;
    - threshold: a ``threshold_mant_bits`` unsigned mantissa compared after
      ``<< threshold_shift``;
    - bias: ``bias_mant`` (``bias_mant_bits`` signed) ``<< bias_exp`` (``bias_exp_bits``
      unsigned);
    - ``synapse_latency``: steps each synapse stage adds on the target.
    """

    weight_mantissa_bits: int
    mixed_sign_extra_shift: int
    u_bits: int
    v_bits: int
    du_bits: int
    dv_bits: int
    decay_denominator: int
    threshold_mant_bits: int
    threshold_shift: int
    activation_shift: int
    bias_mant_bits: int
    bias_exp_bits: int
    synapse_latency: int = 1
    max_delay: int = 63
    target: str = "custom"

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
        return dataclasses.asdict(self)

    def digest(self) -> str:
        """sha256 of the canonical JSON of these numbers (stable across file edits that
        do not change them)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], target: str = "custom", source: str = "fixed_point") -> FixedPointSpec:
        """Read the widths from a ``[fixed_point]``-style mapping; every missing or
        non-integer key is reported at once."""
        values: dict[str, Any] = {}
        problems = []
        for f in dataclasses.fields(cls):
            if f.name == "target":
                continue
            raw = table.get(f.name)
            raw = _figure_value(raw)
            if raw is None:
                if f.default is dataclasses.MISSING:
                    problems.append(f"missing '{f.name}'")
                continue
            if isinstance(raw, bool) or not isinstance(raw, int):
                problems.append(f"'{f.name}' must be an integer, found {raw!r}")
                continue
            values[f.name] = raw
        if problems:
            raise InputError(f"{source}: {'; '.join(problems)}")
        return cls(target=target, **values)


def _figure_value(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return raw.get("value")
    if hasattr(raw, "value") and hasattr(raw, "provenance"):
        return raw.value
    return raw


def spec_from_target(target: Any) -> FixedPointSpec:
    """The fixed-point spec of ``target``: a FixedPointSpec (returned as is), a mapping
    of widths, a loaded target object with a ``fixed_point`` table, or a target name or
    path resolved by :mod:`snncompile.targets`."""
    if isinstance(target, FixedPointSpec):
        return target
    if isinstance(target, Mapping):
        return FixedPointSpec.from_mapping(target)
    if isinstance(target, str):
        target = load_target_descriptor(target)
    table = getattr(target, "fixed_point", None)
    name = getattr(target, "name", "target")
    path = getattr(target, "path", None)
    where = f"{path}: target '{name}'" if path else f"target '{name}'"  # a user's file is named by its path
    if not table:
        raise InputError(f"{where} has no [fixed_point] table: it cannot be quantized for")
    return FixedPointSpec.from_mapping(table, target=name, source=f"{where} [fixed_point]")


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

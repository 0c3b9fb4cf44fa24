"""The typed, frozen form of a validated target file.

`Target.from_document` assumes the document passed `validate_document`; the loader
guarantees that. Missing figures are `None`, never a silent default: a rule or an
energy model that needs a figure must say so when it is absent (see `Target.gaps`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from snncompile.targets import schema
from snncompile.targets.figure import Figure


def _freeze_value(raw: Any) -> Any:
    return tuple(raw) if isinstance(raw, list) else raw


def _figure(raw: Mapping[str, Any]) -> Figure:
    rng = raw.get("range")
    return Figure(
        value=_freeze_value(raw["value"]),
        provenance=raw["provenance"],
        source=raw["source"],
        note=raw.get("note", ""),
        range=(float(rng[0]), float(rng[1])) if rng is not None else None,
    )


def _figures(table: Mapping[str, Any], skip: tuple[str, ...] = ()) -> Mapping[str, Figure]:
    return MappingProxyType({k: _figure(v) for k, v in table.items() if k not in skip})


def _opt_tuple(raw: Any) -> tuple[str, ...] | None:
    return None if raw is None else tuple(raw)


@dataclass(frozen=True)
class Features:
    """What a chip can express. `None` means the references do not say (unknown)."""

    neuron_models: tuple[str, ...]
    source: str
    reset_modes: tuple[str, ...] | None = None
    comparators: tuple[str, ...] | None = None
    graded_spikes: bool | None = None
    graded_spike_bits: int | None = None
    recurrence: bool | None = None
    bias: bool | None = None
    delays: bool | None = None
    conv: bool | None = None
    on_chip_learning: bool | None = None
    note: str = ""

    @classmethod
    def from_table(cls, t: Mapping[str, Any]) -> Features:
        return cls(
            neuron_models=tuple(t["neuron_models"]),
            source=t["source"],
            reset_modes=_opt_tuple(t.get("reset_modes")),
            comparators=_opt_tuple(t.get("comparators")),
            **{k: t.get(k) for k in ("graded_spikes", "graded_spike_bits", "recurrence",
                                     "bias", "delays", "conv", "on_chip_learning")},
            note=t.get("note", ""),
        )


@dataclass(frozen=True)
class Benchmark:
    """A whole-workload figure set (e.g. Loihi 2 PilotNet); units by key suffix."""

    name: str
    description: str
    figures: Mapping[str, Figure]


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Target:
    """A hardware target or an energy-accounting method, as data.

    Sections map schema keys (see `schema.py`, which fixes each key's SI unit) to
    `Figure`s. `gaps` maps "section.key" to why the references give no figure.
    """

    name: str
    kind: str
    description: str
    schema_version: int
    execution: str | None = None
    timing: Mapping[str, Figure] = field(default_factory=_empty)
    limits: Mapping[str, Figure] = field(default_factory=_empty)
    energy: Mapping[str, Figure] = field(default_factory=_empty)
    cycles: Mapping[str, Figure] = field(default_factory=_empty)
    fixed_point: Mapping[str, Figure] = field(default_factory=_empty)
    features: Features | None = None
    benchmarks: Mapping[str, Benchmark] = field(default_factory=_empty)
    gaps: Mapping[str, str] = field(default_factory=_empty)
    path: Path | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], path: Path | None = None) -> Target:
        """Build from a decoded TOML document that passed `validate_document`."""
        timing = doc.get("timing", {})
        benches = {
            name: Benchmark(name, body.get("description", ""),
                            _figures(body, skip=("description",)))
            for name, body in doc.get("benchmarks", {}).items()
        }
        return cls(
            name=doc["name"],
            kind=doc["kind"],
            description=doc["description"],
            schema_version=doc["schema_version"],
            execution=timing.get("execution"),
            timing=_figures(timing, skip=("execution",)),
            limits=_figures(doc.get("limits", {})),
            energy=_figures(doc.get("energy", {})),
            cycles=_figures(doc.get("cycles", {})),
            fixed_point=_figures(doc.get("fixed_point", {})),
            features=Features.from_table(doc["features"]) if "features" in doc else None,
            benchmarks=MappingProxyType(benches),
            gaps=MappingProxyType(dict(doc.get("gaps", {}))),
            path=path,
        )

    def section(self, name: str) -> Mapping[str, Figure]:
        """Figures of one section by name ("timing", "limits", "energy", ...)."""
        if name not in schema.FIGURE_SECTIONS:
            raise KeyError(f"no figure section {name!r}; known: {list(schema.FIGURE_SECTIONS)}")
        sections: Mapping[str, Mapping[str, Figure]] = {
            "timing": self.timing, "limits": self.limits, "energy": self.energy,
            "cycles": self.cycles, "fixed_point": self.fixed_point,
        }
        return sections[name]

    def figure(self, section: str, key: str) -> Figure | None:
        """The figure at `section.key`, or None when the target does not give it."""
        return self.section(section).get(key)

    def number(self, section: str, key: str) -> float | None:
        """A scalar figure's value as float (SI unit of the key), or None if absent."""
        fig = self.figure(section, key)
        if fig is None:
            return None
        if isinstance(fig.value, bool) or not isinstance(fig.value, int | float):
            raise TypeError(f"{self.name}: {section}.{key} is not a scalar number")
        return float(fig.value)

    def limit(self, key: str) -> Figure | None:
        return self.limits.get(key)

    def energy_j(self, key: str) -> float | None:
        """An energy in joules (or power in watts for *_w keys), or None."""
        return self.number("energy", key)

    def gap(self, section: str, key: str) -> str | None:
        """Why `section.key` has no figure, if the file says."""
        return self.gaps.get(f"{section}.{key}")

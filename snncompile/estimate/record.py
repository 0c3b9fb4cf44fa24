"""The estimate record: energy and latency of one network on one target, as data.

Every number says where it came from: each energy term names the target figure it
multiplies (with that figure's provenance and source), every estimate lists its
assumptions, and figures a model needed but the target does not give are listed in
``missing`` with the target file's own reason. A missing figure never becomes a
silent zero: the energy is then marked incomplete (a lower bound) or left unknown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from snncompile.targets import Figure, Target


@dataclass(frozen=True)
class Term:
    """``count`` operations per inference x ``unit_j`` joules each (``figure`` names the
    target figure, e.g. "energy.synop_j"). ``layer`` is "" for whole-network terms."""

    name: str
    count: float
    unit_j: float
    figure: str
    layer: str = ""

    @property
    def energy_j(self) -> float:
        return self.count * self.unit_j


@dataclass(frozen=True)
class Estimate:
    """Energy and latency per inference of one network under one model and target."""

    target: str
    model: str
    steps: int
    terms: tuple[Term, ...]
    figures: Mapping[str, Figure]
    assumptions: tuple[str, ...]
    missing: tuple[str, ...] = ()
    step_latency_s: float | None = None
    latency_note: str = ""
    latency_is_bound: bool = False  # True: step_latency_s is a lower bound
    cycles_per_step: float | None = None
    energy_known: bool = True  # False: no term could be computed at all

    @property
    def energy_j(self) -> float | None:
        """Sum of the terms; a lower bound when ``complete`` is False; None when unknown."""
        if not self.energy_known:
            return None
        return sum(t.energy_j for t in self.terms)

    @property
    def complete(self) -> bool:
        return self.energy_known and not self.missing

    @property
    def latency_s(self) -> float | None:
        return None if self.step_latency_s is None else self.step_latency_s * self.steps

    def energy_by_layer(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for t in self.terms:
            out[t.layer or "(network)"] = out.get(t.layer or "(network)", 0.0) + t.energy_j
        return out

    def energy_by_term(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for t in self.terms:
            out[t.name] = out.get(t.name, 0.0) + t.energy_j
        return out

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "model": self.model,
            "steps": self.steps,
            "energy_j": self.energy_j,
            "energy_per_step_j": None if self.energy_j is None else self.energy_j / self.steps,
            "energy_is_lower_bound": not self.complete,
            "latency_s": self.latency_s,
            "step_latency_s": self.step_latency_s,
            "latency_note": self.latency_note,
            "latency_is_lower_bound": self.latency_is_bound,
            "cycles_per_step": self.cycles_per_step,
            "energy_by_term": self.energy_by_term(),
            "energy_by_layer": self.energy_by_layer(),
            "terms": [{**dataclasses.asdict(t), "energy_j": t.energy_j} for t in self.terms],
            "figures": {k: f.as_dict() for k, f in self.figures.items()},
            "assumptions": list(self.assumptions),
            "missing": list(self.missing),
        }


@dataclass
class FigureLog:
    """Reads figures from a target and remembers which were used or found missing."""

    target: Target
    used: dict[str, Figure] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def get(self, section: str, key: str, required: bool = True) -> float | None:
        fig = self.target.figure(section, key)
        if fig is None:
            if required:
                why = self.target.gap(section, key) or "not given by the target"
                self.missing.append(f"{section}.{key}: {why}")
            return None
        self.used[f"{section}.{key}"] = fig
        return self.target.number(section, key)

    def first(self, section: str, *keys: str) -> tuple[str, float] | tuple[None, None]:
        """The first of ``keys`` the target gives (recorded as used), else missing."""
        for key in keys:
            if self.target.figure(section, key) is not None:
                return key, self.get(section, key)  # type: ignore[return-value]
        self.get(section, keys[0])
        return None, None

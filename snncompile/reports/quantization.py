"""The per-layer quantization report: a frozen record (JSON through ``to_dict``; rendered
by :mod:`snncompile.reports.render`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from snncompile.budget.record import ErrorBudget


@dataclass(frozen=True)
class SynapseReport:
    name: str
    kind: str
    weight_exp: int
    sign_mode: str
    clipped: int  # mantissas that hit the range
    relative_error: float  # ||chip weight - S n g w|| / ||S n g w||


@dataclass(frozen=True)
class LayerReport:
    """One neuron layer: its scale and integer constants, how its synapses fared, and
    (with a calibration input) how its spikes compare with the float model's."""

    name: str
    scale: float
    threshold_scale: float
    limited_by: str
    vth: int
    du: int
    dv: int
    bias_clipped: int
    lag: int
    synapses: tuple[SynapseReport, ...]
    u_peak: float | None = None  # calibrated |u| percentile in integer units / state max
    v_peak: float | None = None
    spike_agreement: float | None = None
    float_spikes: int | None = None
    fixed_spikes: int | None = None


@dataclass(frozen=True)
class QuantizationReport:
    """Per layer, the choices and how they fared; ``budget``: the error budget on the
    calibration input (:mod:`snncompile.budget`), when there was one."""

    target: str
    options: Mapping[str, Any]
    layers: tuple[LayerReport, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    budget: ErrorBudget | None = None

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantizationReport:
        layers = tuple(
            LayerReport(**{**lay, "synapses": tuple(SynapseReport(**s) for s in lay["synapses"])})
            for lay in data["layers"]
        )
        budget = ErrorBudget.from_dict(data["budget"]) if data.get("budget") else None
        return cls(data["target"], dict(data["options"]), layers, tuple(data.get("notes", ())), budget)

    def rows(self) -> list[dict[str, Any]]:
        """One row per synapse (layer columns repeated), for tables."""
        rows = []
        for lay in self.layers:
            for syn in lay.synapses or (None,):
                rows.append({
                    "layer": lay.name, "scale": lay.scale, "vth": lay.vth, "du": lay.du, "dv": lay.dv,
                    "lag": lay.lag, "synapse": syn.name if syn else "", "w_exp": syn.weight_exp if syn else None,
                    "clipped": syn.clipped if syn else None,
                    "relative_error": syn.relative_error if syn else None,
                    "u_peak": lay.u_peak, "v_peak": lay.v_peak,
                    "spike_agreement": lay.spike_agreement, "limited_by": lay.limited_by,
                })
        return rows


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value

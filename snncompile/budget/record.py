"""The error budget as a record (JSON through ``to_dict``/``from_dict``; measured by
:mod:`snncompile.budget.measure`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LayerBudget:
    """Agreement with the float model of one layer (or output): ``chip`` with every
    source as compiled, ``exact`` with none, ``gains[s]``: the rise with ``s`` alone
    exact."""

    name: str
    chip: float
    exact: float
    gains: Mapping[str, float]

    @property
    def largest(self) -> str | None:
        best = max(self.gains, key=lambda s: self.gains[s], default=None)
        return best if best is not None and self.gains[best] > 0 else None


@dataclass(frozen=True)
class ErrorBudget:
    samples: int
    steps: int
    sources: tuple[str, ...]
    layers: tuple[LayerBudget, ...]
    outputs: tuple[LayerBudget, ...]
    accuracy: Mapping[str, float] = field(default_factory=dict)  # run -> accuracy (with labels)
    largest: str | None = None
    suggestion: str = ""
    readout: str = "count"  # the decision rule of accuracy and same class (snncompile.simulate.readout)

    def to_dict(self) -> dict[str, Any]:
        """The fields; ``accuracy`` (run -> accuracy) as ``accuracy_by_run``: in the
        ``--json`` schema ``accuracy`` is one number (docs/json.md); ``outputs`` as
        ``output_layers``."""
        out = asdict(self)
        out["accuracy_by_run"] = out.pop("accuracy")
        out["output_layers"] = out.pop("outputs")  # 'outputs' maps node names to results in the schema
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorBudget:
        def layer(d: Mapping[str, Any]) -> LayerBudget:
            return LayerBudget(d["name"], d["chip"], d["exact"], dict(d["gains"]))

        return cls(int(data["samples"]), int(data["steps"]), tuple(data["sources"]),
                   tuple(layer(d) for d in data["layers"]), tuple(layer(d) for d in data.get("output_layers", data.get("outputs", ()))),
                   dict(data.get("accuracy_by_run", data.get("accuracy", {}))), data.get("largest"), data.get("suggestion", ""),
                   str(data.get("readout", "count")))

"""Energy and latency estimates: metrics x target figures -> :class:`Estimate`.

The models live in :mod:`snncompile.estimate.models` (one module each) and register in
``MODELS``; :func:`models_for` picks the ones that apply to a target (its ``kind``). Each
model states its equation in its docstring and its assumptions in the record it returns.
"""

from __future__ import annotations

from snncompile.estimate import models  # noqa: F401  (registers the models)
from snncompile.estimate.metrics import Metrics
from snncompile.estimate.models.memory_aware import sram_access_j
from snncompile.estimate.record import Estimate
from snncompile.estimate.registry import MODELS, register_model
from snncompile.mapping import Placement
from snncompile.targets import Target

__all__ = ["MODELS", "estimate", "models_for", "register_model", "sram_access_j"]


#: target kind -> the models that apply to it
MODELS_BY_KIND: dict[str, tuple[str, ...]] = {
    "method": ("paper", "memory-aware"),
    "mcu": ("mcu",),
    "host": ("host",),
    "neuromorphic": ("chip",),
}


def models_for(target: Target) -> list[str]:
    """Model names that apply to ``target``: energy methods get the paper and the
    memory-aware model, chips their own model, MCUs the cycle model, hosts the software
    model."""
    return list(MODELS_BY_KIND.get(target.kind, ("chip",)))


def estimate(metrics: Metrics, target: Target, model: str | None = None,
             placement: Placement | None = None) -> list[Estimate]:
    """Estimates of ``metrics`` on ``target`` (every model that applies, or ``model``);
    ``placement`` (from :func:`snncompile.mapping.map_graph`) enables the per-core
    latency model."""
    names = [model] if model else models_for(target)
    return [MODELS[n](metrics, target, placement=placement) for n in names]

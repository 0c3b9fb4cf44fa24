"""The registry of energy/latency models: name -> ``model(metrics, target, placement=None)
-> Estimate``. Models register themselves with :func:`register_model`."""

from __future__ import annotations

from collections.abc import Callable

from snncompile.estimate.record import Estimate

Model = Callable[..., Estimate]  # (metrics, target, placement=None) -> Estimate
MODELS: dict[str, Model] = {}


def register_model(name: str) -> Callable[[Model], Model]:
    def wrap(fn: Model) -> Model:
        MODELS[name] = fn
        return fn

    return wrap

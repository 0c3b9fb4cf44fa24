"""One call from a graph and input data to metrics, estimates and mappings per target."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from snncompile.errors import InputError
from snncompile.estimate.activity import Activity, record_activity
from snncompile.estimate.energy import estimate
from snncompile.estimate.metrics import Metrics, compute_metrics
from snncompile.estimate.models.host import chip_plus_host, host_segments
from snncompile.estimate.record import Estimate
from snncompile.ir import Graph
from snncompile.limits import check_bytes
from snncompile.mapping import Placement, map_graph
from snncompile.targets import DEFAULT_HOST, Target, list_targets, load_target


@dataclass(frozen=True)
class Report:
    """Everything the estimate and report commands show."""

    model: str
    metrics: Metrics
    activity: Activity
    estimates: tuple[Estimate, ...]
    placements: Mapping[str, Placement]
    input_note: str
    targets: Mapping[str, Target] = field(default_factory=dict)  # name -> the target estimated

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "input": self.input_note,
            "metrics": self.metrics.to_dict(),
            "estimates": [e.to_dict() for e in self.estimates],
            "mapping": {t: p.to_dict() for t, p in self.placements.items()},
        }


def resolve_targets(spec: str | Sequence[str]) -> list[Target]:
    """``"all"`` -> every built-in target; else names or paths (comma-separated)."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    if names == ["all"]:
        names = list_targets()
    return [load_target(n.strip()) for n in names if n.strip()]


def synthetic_input(graph: Graph, steps: int = 100, rate: float = 0.1, seed: int = 0) -> dict[str, np.ndarray]:
    """Bernoulli spike trains at ``rate`` per input per step (one sample)."""
    if not 0 <= rate <= 1:
        raise InputError(f"rate={rate}: a spike probability per step must be in [0, 1]", options=("rate",))
    if steps < 1:
        raise InputError(f"steps={steps}: must be at least 1", options=("steps",))
    for n in graph.inputs:
        check_bytes(steps * math.prod(graph.nodes[n].shape) * 8,  # type: ignore[attr-defined]
                    f"a random input of {steps} steps for '{n}'")
    rng = np.random.default_rng(seed)
    return {n: (rng.random((1, steps, *graph.nodes[n].shape)) < rate).astype(np.float64)  # type: ignore[attr-defined]
            for n in graph.inputs}


def run_estimates(graph: Graph, inputs: Mapping[str, np.ndarray], targets: Sequence[Target],
                  model: str = "", input_note: str = "", steps: int | None = None,
                  backend: str = "reference", weight_bits: int | None = None,
                  progress: bool = False, host: Target | None = None) -> Report:
    """Metrics of one run and every target's estimate. A compiled graph with host
    segments gets, beside each chip's estimate of its chip part, the estimate of its host
    segments on ``host`` (default :data:`DEFAULT_HOST`); MCUs and hosts run all of it."""
    activity = record_activity(graph, inputs, steps=steps, backend=backend, progress=progress)
    metrics = compute_metrics(graph, activity)
    estimates, placements = estimate_targets(graph, metrics, targets, weight_bits=weight_bits, host=host)
    return Report(model, metrics, activity, estimates, placements, input_note, {t.name: t for t in targets})


def estimate_targets(graph: Graph, metrics: Metrics, targets: Sequence[Target], weight_bits: int | None = None,
                     host: Target | None = None) -> tuple[tuple[Estimate, ...], dict[str, Placement]]:
    """Every target's estimates of ``metrics`` (and each chip's mapping of ``graph``); a
    compiled graph with host segments adds their estimate on ``host`` (see
    :func:`run_estimates`)."""
    placements = {t.name: map_graph(graph, t, weight_bits=weight_bits, strict=False)
                  for t in targets if t.kind not in ("method", "host")}
    estimates = [e for t in targets for e in estimate(metrics, t, placement=placements.get(t.name))]
    chips = [e for e, t in ((e, t) for t in targets for e in estimates if e.target == t.name)
             if t.kind == "neuromorphic"]
    if metrics.host_ops and chips:
        host_part = host_segments(metrics, host or load_target(DEFAULT_HOST))
        estimates += [host_part, *(chip_plus_host(c, host_part) for c in chips)]
    return tuple(estimates), placements

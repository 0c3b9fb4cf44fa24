"""The differential sweep loop that benchmarks.differential (Lava), differential_xylo
(XyloSim) and c_vs_emulator (the generated C) share.

Draws ``examples`` cases from a hypothesis strategy (generation only, no shrinking, a
fixed seed: the same cases on every run), runs each on the emulator and on the other
executor with the same recording, counts the values compared (outputs, recorded
payloads, ``u`` and ``v`` of every node and step) and what each case exercised, and
compares everything with :func:`snncompile.testing.fixed_graphs.compare_runs`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings

from snncompile.emulator import emulate
from snncompile.testing.fixed_graphs import compare_runs


@dataclass
class SweepStats:
    cases: int = 0
    values_compared: int = 0
    mismatching: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the other executor failed (a finding, not a crash)
    exercised: dict[str, int] = field(default_factory=dict)  # feature -> cases (or a summed count)
    emulator_s: float = 0.0
    other_s: float = 0.0


def sweep(strategy: Any, examples: int, rng_seed: int, other: Callable[[Any], Any], record: dict,
          exercised: Callable[[Any, Any], dict[str, int | bool]],
          failures: tuple[type[BaseException], ...] = ()) -> SweepStats:
    """``other(case)``: the executor's result for ``case``; ``exercised(case, emu)``: what
    the case drove the arithmetic through (booleans count cases, integers are summed);
    ``failures``: exceptions of ``other`` recorded in ``errors`` instead of raised."""
    stats = SweepStats()

    @seed(rng_seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(case):
        start = time.perf_counter()
        emu = emulate(case.graph, case.inputs, **record)
        mid = time.perf_counter()
        try:
            result = other(case)
        except failures as exc:
            stats.errors.append(f"{case.description}: {type(exc).__name__}: {exc}")
            return
        stats.other_s += time.perf_counter() - mid
        stats.emulator_s += mid - start
        stats.cases += 1
        for feature, hit in exercised(case, emu).items():
            stats.exercised[feature] = stats.exercised.get(feature, 0) + int(hit)
        for kind in ("outputs", "recorded", "membranes", "currents"):
            stats.values_compared += int(sum(np.asarray(a).size for a in getattr(emu, kind).values()))
        problems = compare_runs(emu, result, case.graph)
        if problems:
            stats.mismatching.append(f"{case.description}: {problems[:3]}")

    one()
    return stats

"""The quantization pipeline as one declared list of steps over an explicit context.

A :class:`QuantizeContext` holds everything a step reads besides the graph: the target's
fixed-point spec and the options (given), the calibration input and partition
capabilities (given, optional), and what the pipeline's analyses found as it ran (the
partition, the prepared float graph, the calibrated ranges, the scale plan, the lags,
the notes). A :class:`Step` is either

- a *transform* (:func:`transform`): a pure ``Graph -> Graph`` pass whose other
  arguments are read from the context by name — it never sees the context itself and
  never changes its arguments; the graph is validated after it;
- an *analysis* (:func:`analyze`): ``(graph, ctx) -> ctx``, which leaves the graph as it
  is and records what it found.

:func:`run_steps` runs a list of them; an error is re-raised naming the step. A step may
be conditional (``when``). A plan given in the context is used as it is (the scale
analyses skip): how a compiled artifact is reproduced, or compiled again for another
timing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snncompile.errors import SnnCompileError
from snncompile.ir import Graph
from snncompile.passes.pipeline import PassError
from snncompile.passes.quantize.options import QuantizeOptions
from snncompile.passes.quantize.spec import FixedPointSpec


@dataclass(frozen=True)
class QuantizeContext:
    spec: FixedPointSpec
    options: QuantizeOptions
    calibrate: Mapping[str, np.ndarray] | np.ndarray | None = None
    capabilities: Any = None  # passes.partition.Capabilities
    plan: Any = None  # choose_scales.ScalePlan; given: used as it is
    partition: Any = None  # passes.partition.Partition
    prepared: Graph | None = None
    ranges: Mapping[str, Any] | None = None  # calibrate.LayerRange per layer
    lags: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def but(self, **changes: Any) -> QuantizeContext:
        return dataclasses.replace(self, **changes)

    def noted(self, notes: Sequence[str]) -> QuantizeContext:
        return self.but(notes=self.notes + tuple(notes))


Reader = str | Callable[[QuantizeContext], Any]


def _always(ctx: QuantizeContext) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Graph, QuantizeContext], tuple[Graph, QuantizeContext]]
    when: Callable[[QuantizeContext], bool] = _always
    validate: bool = False


def transform(name: str, fn: Callable[..., Graph], when: Callable[[QuantizeContext], bool] = _always,
              **reads: Reader) -> Step:
    """A pure pass ``fn(graph, **arguments)``; each argument is a context field (by name)
    or a function of the context."""
    def run(graph: Graph, ctx: QuantizeContext) -> tuple[Graph, QuantizeContext]:
        args = {k: getattr(ctx, r) if isinstance(r, str) else r(ctx) for k, r in reads.items()}
        return fn(graph, **args), ctx

    return Step(name, run, when, validate=True)


def analyze(name: str, fn: Callable[[Graph, QuantizeContext], QuantizeContext],
            when: Callable[[QuantizeContext], bool] = _always) -> Step:
    """An analysis ``fn(graph, ctx) -> ctx`` (the graph passes through unchanged)."""
    return Step(name, lambda graph, ctx: (graph, fn(graph, ctx)), when)


def run_steps(graph: Graph, ctx: QuantizeContext, steps: Sequence[Step]) -> tuple[Graph, QuantizeContext]:
    """Run ``steps`` in order (validating the input and every transform's result); a
    SnnCompileError from a transform becomes a PassError naming it (an analysis's error
    is raised as it is: it already names what it refuses)."""
    graph.validate()
    for step in steps:
        if not step.when(ctx):
            continue
        if not step.validate:
            graph, ctx = step.run(graph, ctx)
            continue
        try:
            graph, ctx = step.run(graph, ctx)
            graph.validate()
        except PassError:
            raise
        except SnnCompileError as exc:
            raise PassError(f"pass '{step.name}': {exc}") from None
    return graph, ctx

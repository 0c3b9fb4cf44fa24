"""Flush a compiled graph's pipeline: its answer on the float timeline.

A compiled graph's node ``n`` trails the float graph by ``lag(n)`` steps (its meta, see
:mod:`snncompile.passes.quantize.add_synapse_latency`): float step ``t`` of ``n`` is
chip step ``t + lag(n)``. A run that stops at the input's last step ``T - 1`` therefore
drops the last ``lag(n)`` float steps of every lagging node, and with them the network's
answer to the last inputs. A chip run flushes its pipeline: it keeps stepping with zero
input until the last answer is out. :func:`run_flushed` does the same — it runs
``T + max lag`` steps (zero input after ``T``) and returns every series cut to
``series[:, lag(n):lag(n) + T]``, the float timeline that
:mod:`snncompile.compare` aligns by. A float graph has no lags: nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from snncompile.ir import Graph
from snncompile.ir.placement import lags as lags_of
from snncompile.simulate.result import SimResult


def flush_steps(graph: Graph) -> int:
    """The steps a run of ``graph`` needs past its input for every node to reach the
    float timeline's end: the largest lag."""
    return max(lags_of(graph).values(), default=0)


def on_float_timeline(result: SimResult, graph: Graph, steps: int) -> SimResult:
    """``result`` (a run of ``graph`` for at least ``steps + lag`` steps) with each
    series cut to ``[lag(n), lag(n) + steps)`` of its node ``n``."""
    lags = lags_of(graph)

    def cut(series: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {n: a[:, lags.get(n, 0):lags.get(n, 0) + steps] for n, a in series.items()}

    return replace(result, outputs=cut(result.outputs), recorded=cut(result.recorded),
                   membranes=cut(result.membranes), currents=cut(result.currents), shifted_by={})


def run_flushed(run: Callable[..., SimResult], graph: Graph, steps: int, **options: Any) -> tuple[SimResult, int]:
    """``run(graph, steps=steps + flush, **options)`` on the float timeline (module
    docstring), and ``flush``: the zero-input steps it added. Counters and cycles stay
    those of the whole run (the chip does that work)."""
    flush = flush_steps(graph)
    result = run(graph, steps=steps + flush, **options)
    return (on_float_timeline(result, graph, steps) if flush else result), flush


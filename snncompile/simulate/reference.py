"""The float reference simulator: the definition of what a graph means.

Implements the time-step semantics of :mod:`snncompile.ir.graph` over a batch, in torch
(float64 by default). Every other executor is tested against it. Registered as the
``reference`` backend; :func:`simulate` is its plain-function form.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from snncompile.ir import Graph, Input, Node, Shape
from snncompile.ir.node import SUM
from snncompile.ir.stage import Stage
from snncompile.simulate.backend import (
    Backend,
    GraphKind,
    Record,
    RunInputs,
    register_backend,
    resolve_record,
)
from snncompile.simulate.kernels import KERNEL_BUILDERS, Kernel, build_kernel
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.result import SimResult

__all__ = ["ReferenceBackend", "Record", "resolve_record", "simulate", "StepRunner"]


class ReferenceBackend(Backend):
    name = "reference"
    runs = GraphKind.FLOAT
    description = "float reference simulator (torch, float64): defines what a graph means"

    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        if type(node).stage is Stage.INTEGER:
            return "an integer (chip) node: run compiled graphs on the emulator or Lava"
        if isinstance(node, Input) or any(cls in KERNEL_BUILDERS for cls in type(node).__mro__):
            return None
        return "no reference kernel for this kind"

    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, dtype: torch.dtype = torch.float64, **_: Any) -> SimResult:
        runner = StepRunner(graph, dtype)
        runner.reset(inputs.batch, inputs.first_sample)
        data = {n: torch.as_tensor(np.asarray(x), dtype=dtype) for n, x in inputs.arrays.items()}
        wanted = set(graph.outputs) | set(record)
        traces: dict[str, list[torch.Tensor]] = {n: [] for n in wanted}
        vtraces: dict[str, list[torch.Tensor]] = {n: [] for n in membranes}
        for t in steps_with_progress(steps, progress, "reference"):
            feed = {n: (x[:, t] if t < inputs.length else torch.zeros_like(x[:, 0])) for n, x in data.items()}
            outs = runner.step(feed)
            for n in wanted:
                traces[n].append(outs[n])
            for n in membranes:
                vtraces[n].append(runner.kernels[n].membrane)  # type: ignore[arg-type]

        def stack(series: list[torch.Tensor]) -> np.ndarray:
            return torch.stack(series, dim=1).numpy()

        return SimResult(
            outputs={n: stack(traces[n]) for n in graph.outputs},
            recorded={n: stack(traces[n]) for n in record},
            membranes={n: stack(vtraces[n]) for n in membranes},
            dt=graph.dt,
            backend=self.name,
        )


REFERENCE = register_backend(ReferenceBackend())


def simulate(
    graph: Graph,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    record: Record = None,
    membranes: Record = None,
    dtype: torch.dtype = torch.float64,
    progress: bool = False,
    first_sample: int = 0,
) -> SimResult:
    """Run ``graph`` on ``inputs`` (one array per Input node, (batch, time, *shape); a bare
    array is accepted for single-input graphs) for ``steps`` steps (default: the input
    length; extra steps get zero input). Returns outputs and what was asked to record.
    ``first_sample``: the data-set index of the batch's first row (see
    :class:`~snncompile.simulate.backend.RunInputs`)."""
    return REFERENCE.run(graph, inputs, steps=steps, record=record, membranes=membranes, progress=progress,
                         first_sample=first_sample, dtype=dtype)


class StepRunner:
    """One step at a time over a graph's reference kernels: holds the kernels, the step
    order and the delay lines of delayed edges. Nodes listed in ``skip`` get no kernel
    (their output is fed by the caller, like an Input's)."""

    def __init__(self, graph: Graph, dtype: torch.dtype, skip: frozenset[str] = frozenset()):
        self.graph, self.dtype = graph, dtype
        self.order = graph.step_order()
        self.shapes: dict[str, Shape] = graph.infer_shapes()
        self.operands = {n: graph.operands(n) for n in graph.nodes}
        self.kernels: dict[str, Kernel] = {
            n: build_kernel(node, graph.operand_shapes(n, self.shapes) if not node.source else {}, dtype)
            for n, node in graph.items()
            if not isinstance(node, Input) and n not in skip
        }
        self.max_delay: dict[str, int] = {}
        for e in graph.edges:
            if e.delay > 0:
                self.max_delay[e.src] = max(self.max_delay.get(e.src, 0), e.delay)

    def reset(self, batch: int, first_sample: int = 0) -> None:
        """Start a run of ``batch`` samples, row ``k`` being sample ``first_sample + k``."""
        self.batch = batch
        for k in self.kernels.values():
            k.reset(batch, first_sample)
        self.history: dict[str, deque[torch.Tensor]] = {n: deque(maxlen=d) for n, d in self.max_delay.items()}

    def edge_value(self, src: str, delay: int, outs: dict[str, torch.Tensor]) -> torch.Tensor:
        if delay == 0:
            return outs[src]
        past = self.history[src]
        if len(past) >= delay:
            return past[-delay]
        return torch.zeros((self.batch, *self.shapes[src]), dtype=self.dtype)

    def node_input(self, name: str, outs: dict[str, torch.Tensor]) -> Any:
        """What ``name``'s kernel takes this step: the summed input, a dict by port, or
        None for a source."""
        operands = {port: self._sum(edges, outs) for port, edges in self.operands[name].items() if edges}
        return operands if self.graph.nodes[name].ports else operands.get(SUM)

    def _sum(self, edges: list, outs: dict[str, torch.Tensor]) -> torch.Tensor:
        x = self.edge_value(edges[0].src, edges[0].delay, outs)
        for e in edges[1:]:
            x = x + self.edge_value(e.src, e.delay, outs)
        return x

    def step(self, feed: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        outs: dict[str, torch.Tensor] = {}
        for name in self.order:
            if name in feed:
                outs[name] = feed[name]
            else:
                outs[name] = self.kernels[name].step(self.node_input(name, outs))
        for src, past in self.history.items():
            past.append(outs[src])
        return outs

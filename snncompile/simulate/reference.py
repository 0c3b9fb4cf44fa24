"""The float reference simulator: the definition of what a graph means.

Implements the time-step semantics of :mod:`snncompile.ir.graph` over a batch, in torch
(float64 by default). Every other executor is tested against it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

import numpy as np
import torch

from snncompile.errors import InputError
from snncompile.ir import Graph, Input, NeuronNode, Shape
from snncompile.ir.node import SUM
from snncompile.simulate.kernels import Kernel, build_kernel
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.result import SimResult

Record = Iterable[str] | str | None


def resolve_record(graph: Graph, record: Record) -> list[str]:
    """``"all"`` -> every non-Input node; ``"neurons"`` -> neuron nodes; a list -> itself."""
    if record is None:
        return []
    if record == "all":
        return [n for n, node in graph.items() if not isinstance(node, Input)]
    if record == "neurons":
        return [n for n, node in graph.items() if isinstance(node, NeuronNode)]
    names = [record] if isinstance(record, str) else list(record)
    unknown = [n for n in names if n not in graph.nodes]
    if unknown:
        raise InputError(f"cannot record unknown nodes {unknown}; nodes are {list(graph.nodes)}")
    return names


def check_inputs(graph: Graph, inputs: Mapping[str, np.ndarray]) -> int:
    """Validate input arrays (batch, time, *shape) against the Input nodes; return T."""
    missing = [n for n in graph.inputs if n not in inputs]
    if missing:
        raise InputError(f"no data for input node(s) {missing}; inputs given: {list(inputs)}")
    lengths = set()
    batches = set()
    for name in graph.inputs:
        shape = graph.nodes[name].shape  # type: ignore[attr-defined]
        array = np.asarray(inputs[name])
        if array.ndim != len(shape) + 2 or tuple(array.shape[2:]) != tuple(shape):
            raise InputError(
                f"input '{name}': expected shape (batch, time, {', '.join(map(str, shape))}), "
                f"found {tuple(array.shape)}"
            )
        if not np.all(np.isfinite(array)):
            raise InputError(f"input '{name}' contains NaN or inf")
        lengths.add(array.shape[1])
        batches.add(array.shape[0])
    if len(lengths) > 1 or len(batches) > 1:
        raise InputError(f"inputs disagree on batch or time length: {[np.shape(inputs[n]) for n in graph.inputs]}")
    return lengths.pop()


def simulate(
    graph: Graph,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    record: Record = None,
    membranes: Record = None,
    dtype: torch.dtype = torch.float64,
    progress: bool = False,
) -> SimResult:
    """Run ``graph`` on ``inputs`` (one array per Input node, (batch, time, *shape); a bare
    array is accepted for single-input graphs) for ``steps`` steps (default: the input
    length; extra steps get zero input). Returns outputs and what was asked to record."""
    graph.validate()
    if isinstance(inputs, np.ndarray) or torch.is_tensor(inputs):
        if len(graph.inputs) != 1:
            raise InputError(f"graph has inputs {graph.inputs}: pass a dict of arrays")
        inputs = {graph.inputs[0]: np.asarray(inputs)}
    length = check_inputs(graph, inputs)
    steps = length if steps is None else int(steps)
    record_names = resolve_record(graph, record)
    membrane_names = [n for n in resolve_record(graph, membranes) if isinstance(graph.nodes[n], NeuronNode)]
    runner = _Runner(graph, dtype)
    batch = int(np.asarray(inputs[graph.inputs[0]]).shape[0])
    runner.reset(batch)
    data = {n: torch.as_tensor(np.asarray(inputs[n]), dtype=dtype) for n in graph.inputs}
    wanted = set(graph.outputs) | set(record_names)
    traces: dict[str, list[torch.Tensor]] = {n: [] for n in wanted}
    vtraces: dict[str, list[torch.Tensor]] = {n: [] for n in membrane_names}
    for t in steps_with_progress(steps, progress, "reference"):
        feed = {n: (x[:, t] if t < length else torch.zeros_like(x[:, 0])) for n, x in data.items()}
        outs = runner.step(feed)
        for n in wanted:
            traces[n].append(outs[n])
        for n in membrane_names:
            vtraces[n].append(runner.kernels[n].membrane)  # type: ignore[arg-type]

    def stack(series: list[torch.Tensor]) -> np.ndarray:
        return torch.stack(series, dim=1).numpy()

    return SimResult(
        outputs={n: stack(traces[n]) for n in graph.outputs},
        recorded={n: stack(traces[n]) for n in record_names},
        membranes={n: stack(vtraces[n]) for n in membrane_names},
        dt=graph.dt,
        backend="reference",
    )


class _Runner:
    """Holds kernels, the step order and the delay lines of delayed edges."""

    def __init__(self, graph: Graph, dtype: torch.dtype):
        self.graph, self.dtype = graph, dtype
        self.order = graph.step_order()
        self.shapes: dict[str, Shape] = graph.infer_shapes()
        self.operands = {n: graph.operands(n) for n in graph.nodes}
        self.kernels: dict[str, Kernel] = {
            n: build_kernel(node, graph.operand_shapes(n, self.shapes) if not node.source else {}, dtype)
            for n, node in graph.items()
            if not isinstance(node, Input)
        }
        self.max_delay: dict[str, int] = {}
        for e in graph.edges:
            if e.delay > 0:
                self.max_delay[e.src] = max(self.max_delay.get(e.src, 0), e.delay)

    def reset(self, batch: int) -> None:
        self.batch = batch
        for k in self.kernels.values():
            k.reset(batch)
        self.history: dict[str, deque[torch.Tensor]] = {n: deque(maxlen=d) for n, d in self.max_delay.items()}

    def _edge_value(self, src: str, delay: int, outs: dict[str, torch.Tensor]) -> torch.Tensor:
        if delay == 0:
            return outs[src]
        past = self.history[src]
        if len(past) >= delay:
            return past[-delay]
        return torch.zeros((self.batch, *self.shapes[src]), dtype=self.dtype)

    def _sum(self, edges: list, outs: dict[str, torch.Tensor]) -> torch.Tensor:
        x = self._edge_value(edges[0].src, edges[0].delay, outs)
        for e in edges[1:]:
            x = x + self._edge_value(e.src, e.delay, outs)
        return x

    def step(self, feed: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        outs: dict[str, torch.Tensor] = {}
        for name in self.order:
            if name in feed:
                outs[name] = feed[name]
                continue
            operands = {port: self._sum(edges, outs) for port, edges in self.operands[name].items() if edges}
            kernel_input = operands if self.graph.nodes[name].ports else operands.get(SUM)
            outs[name] = self.kernels[name].step(kernel_input)
        for src, past in self.history.items():
            past.append(outs[src])
        return outs

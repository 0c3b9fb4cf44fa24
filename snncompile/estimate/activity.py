"""Recorded activity of a run: what every layer received, emitted and held, per step.

Metrics and energy models read only this record, so any executor that records node
outputs (the float reference, the integer emulator) can feed them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from snncompile.ir import Graph, Input, NeuronNode
from snncompile.ir.synapse import is_synapse
from snncompile.simulate import SimResult, get_backend


@dataclass(frozen=True)
class Activity:
    """One run over a batch: arrays are (batch, time, *shape).

    - ``received``: synapse node -> its input (sum of incoming edges, delays applied)
    - ``emitted``: every node -> its output (spikes for spiking neurons)
    - ``membranes``: neuron node -> membrane after each step (see SimResult)
    """

    steps: int
    batch: int
    dt: float
    received: Mapping[str, np.ndarray]
    emitted: Mapping[str, np.ndarray]
    membranes: Mapping[str, np.ndarray]
    backend: str = "reference"
    outputs: tuple[str, ...] = ()  # the graph's Output nodes (their series are in ``emitted``)
    time_base: str = ""  # the run's time base (SimResult.time_base)


def shifted(array: np.ndarray, delay: int) -> np.ndarray:
    """``array`` delayed by ``delay`` steps along the time axis (zeros before the start)."""
    if delay == 0:
        return array
    out = np.zeros_like(array)
    if delay < array.shape[1]:
        out[:, delay:] = array[:, : array.shape[1] - delay]
    return out


def node_input(graph: Graph, name: str, emitted: Mapping[str, np.ndarray]) -> np.ndarray:
    """What ``name`` receives: the sum of its incoming edges' outputs, each delayed."""
    edges = graph.incoming(name)
    total = shifted(np.asarray(emitted[edges[0].src]), edges[0].delay)
    for e in edges[1:]:
        total = total + shifted(np.asarray(emitted[e.src]), e.delay)
    return total


def record_activity(
    graph: Graph,
    inputs: Mapping[str, np.ndarray] | np.ndarray,
    steps: int | None = None,
    backend: str = "reference",
    progress: bool = False,
) -> Activity:
    """Run ``graph`` on ``inputs`` with ``backend`` and keep every node's activity."""
    run = get_backend(backend)
    result = run(graph, inputs, steps=steps, record=RECORD_ALL["record"], membranes=RECORD_ALL["membranes"],
                 progress=progress)
    return activity_from_result(graph, inputs, result)


#: what a backend run must record for :func:`activity_from_result`
RECORD_ALL = {"record": "all", "membranes": "neurons"}


def activity_from_result(graph: Graph, inputs: Mapping[str, np.ndarray] | np.ndarray, result: SimResult,
                         synapses: Iterable[str] | None = None) -> Activity:
    """The activity of a run that recorded :data:`RECORD_ALL` on ``inputs`` (or, with
    ``synapses``, at least the sources of those synapse nodes: only they get ``received``)."""
    if isinstance(inputs, Mapping):
        data = {n: np.asarray(inputs[n]) for n in graph.inputs}
    else:
        data = {graph.inputs[0]: np.asarray(inputs)}
    emitted = {**result.outputs, **result.recorded}
    for name, array in data.items():
        emitted[name] = _pad_time(array, result.steps)
    names = [n for n, node in graph.items() if is_synapse(node)] if synapses is None else list(synapses)
    received = {name: node_input(graph, name, emitted) for name in names}
    return Activity(
        steps=result.steps,
        batch=result.batch,
        dt=graph.dt,
        received=received,
        emitted=emitted,
        membranes=dict(result.membranes),
        backend=result.backend,
        outputs=tuple(result.outputs),
        time_base=result.time_base,
    )


def _pad_time(array: np.ndarray, steps: int) -> np.ndarray:
    if array.shape[1] >= steps:
        return array[:, :steps]
    pad = np.zeros((array.shape[0], steps - array.shape[1], *array.shape[2:]), array.dtype)
    return np.concatenate([array, pad], axis=1)


def neuron_names(graph: Graph) -> list[str]:
    return [n for n, node in graph.items() if isinstance(node, NeuronNode)]


def input_names(graph: Graph) -> list[str]:
    return [n for n, node in graph.items() if isinstance(node, Input)]

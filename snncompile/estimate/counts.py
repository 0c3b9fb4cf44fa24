"""Activity as additive counts: what the metrics need from a run, summable over batches.

Metrics are per-inference averages over a batch. An average of per-batch averages is not
the average over the whole set when batches differ in size, and NeuroBench's AC/MAC
classification of a step (every input value of that step, over the whole batch, in
{-1, 0, 1}) depends on every sample. So a run is first reduced to counts that add
exactly across any split of a data set:

- per synapse node: ``nonzero[t, *i]`` = samples whose input ``i`` at step ``t`` is
  nonzero (int64, summed) and ``spiking[t]`` = every input value at step ``t`` is in
  {-1, 0, 1} (merged with AND);
- per neuron node: nonzero outputs and membrane changes from one step to the next
  (int64, summed);
- samples (``batch``), ``steps``, ``dt`` and the backend (equal in every part).

:func:`snncompile.estimate.metrics.metrics_from_counts` turns counts into
:class:`~snncompile.estimate.metrics.Metrics`; the counts of a whole set are the
:meth:`ActivityCounts.merge` of its parts, so metrics over the set are the same numbers,
bit for bit, however it was split (integers add exactly; the metrics divide once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from snncompile.estimate.activity import Activity
from snncompile.ir import Graph, NeuronNode
from snncompile.ir.placement import on_host
from snncompile.ir.synapse import is_synapse


@dataclass(frozen=True)
class SynapseCounts:
    """``nonzero``: (steps, *input shape) int64; ``spiking``: (steps,) bool."""

    nonzero: np.ndarray
    spiking: np.ndarray

    def merge(self, other: SynapseCounts) -> SynapseCounts:
        return SynapseCounts(self.nonzero + other.nonzero, self.spiking & other.spiking)


@dataclass(frozen=True)
class NeuronCounts:
    nonzero: int  # nonzero outputs, over samples and steps
    changed: int  # membrane values that differ from the previous step's

    def merge(self, other: NeuronCounts) -> NeuronCounts:
        return NeuronCounts(self.nonzero + other.nonzero, self.changed + other.changed)


@dataclass(frozen=True)
class ActivityCounts:
    steps: int
    batch: int  # samples counted
    dt: float
    backend: str
    synapses: Mapping[str, SynapseCounts]
    neurons: Mapping[str, NeuronCounts]

    def merge(self, other: ActivityCounts) -> ActivityCounts:
        """The counts of both runs together (same graph, steps, dt and backend)."""
        same = (self.steps, self.dt, self.backend, set(self.synapses), set(self.neurons))
        theirs = (other.steps, other.dt, other.backend, set(other.synapses), set(other.neurons))
        if same != theirs:
            raise ValueError(f"cannot merge activity counts of different runs: {same[:3]} vs {theirs[:3]}")
        return ActivityCounts(
            self.steps, self.batch + other.batch, self.dt, self.backend,
            {n: c.merge(other.synapses[n]) for n, c in self.synapses.items()},
            {n: c.merge(other.neurons[n]) for n, c in self.neurons.items()},
        )


def counted_synapses(graph: Graph) -> list[str]:
    """Synapse nodes the chip metrics count (host-placed ones are host ops)."""
    return [n for n, node in graph.items() if is_synapse(node) and not on_host(node)]


def counted_neurons(graph: Graph) -> list[str]:
    return [n for n, node in graph.items() if isinstance(node, NeuronNode) and not on_host(node)]


def counted_nodes(graph: Graph) -> tuple[list[str], list[str]]:
    """(nodes to record, neurons whose membranes to record) for :func:`count_activity`:
    the sources of the counted synapses and the counted neurons. Less than recording
    everything: backends that cannot record synapse nodes (Lava) can still be counted."""
    neurons = counted_neurons(graph)
    sources = {e.src for name in counted_synapses(graph) for e in graph.incoming(name)}
    record = [n for n in graph.nodes if (n in sources or n in neurons) and n not in graph.inputs]
    return record, neurons


def synapse_counts(received: np.ndarray) -> SynapseCounts:
    flat = received.reshape(received.shape[0], received.shape[1], -1)
    spiking = np.all((flat == 0) | (flat == 1) | (flat == -1), axis=(0, 2))
    return SynapseCounts(np.count_nonzero(received, axis=0).astype(np.int64), spiking)


def neuron_counts(out: np.ndarray, membrane: np.ndarray) -> NeuronCounts:
    changed = np.count_nonzero(membrane[:, 1:] != membrane[:, :-1]) if out.shape[1] > 1 else 0
    return NeuronCounts(int(np.count_nonzero(out)), int(changed))


def count_activity(graph: Graph, activity: Activity) -> ActivityCounts:
    """The additive counts of one recorded run."""
    return ActivityCounts(
        steps=activity.steps,
        batch=activity.batch,
        dt=activity.dt,
        backend=activity.backend,
        synapses={n: synapse_counts(np.asarray(activity.received[n])) for n in counted_synapses(graph)},
        neurons={n: neuron_counts(np.asarray(activity.emitted[n]), np.asarray(activity.membranes[n]))
                 for n in counted_neurons(graph)},
    )

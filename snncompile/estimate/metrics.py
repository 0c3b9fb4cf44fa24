"""Workload and static metrics from recorded activity, named and defined as NeuroBench 2.3.

All counts are per inference (averaged over the batch, summed over time steps); divide
by ``steps`` for per-step figures (:meth:`Metrics.per_step`).

NeuroBench definitions (``neurobench/metrics``), restated on the IR:

- SynapticOperations, per synapse node (Linear, Conv1d, Conv2d) and step: the step's
  input (over the whole batch) is *spiking* when every value is in {-1, 0, 1}; then its
  operations are ACs, else MACs. ``Effective`` = number of (nonzero input, nonzero
  weight) pairs, bias excluded; ``Dense`` = all (input, weight) pairs the layer
  computes (zero padding excluded).
- ActivationSparsity: 1 - nonzero / total over the outputs of every neuron node.
- MembraneUpdates: per neuron, the first step counts as an update, later steps count
  when the membrane differs from the previous step's.
- Footprint: bytes of all parameter arrays; ParameterCount: synapse weights and biases
  (what torch calls parameters); ConnectionSparsity: zero weights / weights.

Beyond NeuroBench: sinabs-style ``synaptic_events`` (nonzero inputs x fan-out, zero
weights included: what a chip storing the weights densely processes), spikes, dense
neuron updates (neurons x steps) and memory accesses of an event-driven core.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from snncompile.estimate.activity import Activity
from snncompile.estimate.counts import (
    ActivityCounts,
    NeuronCounts,
    SynapseCounts,
    count_activity,
    counted_neurons,
    counted_synapses,
)
from snncompile.estimate.host_ops import ASSUMPTIONS as HOST_ASSUMPTIONS
from snncompile.estimate.host_ops import host_ops_per_sample
from snncompile.estimate.nodes import (
    apply_synapse,
    is_synapse,
    neuron_traits,
    synapse_bias,
    synapse_weight,
)
from snncompile.ir import Graph, NeuronNode, Node


@dataclass(frozen=True)
class SynapseLayer:
    """One synapse node. Operation counts are per inference."""

    name: str
    kind: str
    target: str  # the node it feeds (first outgoing edge)
    inputs: int  # input values per step (prod of the input shape)
    weights: int
    nonzero_weights: int
    biases: int
    fan_in: int  # most inputs one output neuron sums (dense, padding excluded)
    fan_out: int  # most outputs one input reaches (dense)
    dense_per_step: int
    effective_acs: float
    effective_macs: float
    dense: float
    dense_macs: float  # dense pairs on steps classified MAC (the paper method's FLOPs)
    input_events: float  # nonzero inputs
    synaptic_events: float  # nonzero inputs x fan-out (zero weights included)
    ac_synaptic_events: float  # the same, on steps whose input is spiking (AC steps)


@dataclass(frozen=True)
class NeuronLayer:
    """One neuron node. Counts are per inference."""

    name: str
    kind: str
    neurons: int
    spiking: bool
    has_current: bool
    has_bias: bool
    spikes: float  # nonzero outputs of a spiking node (0 for non-spiking)
    nonzero_outputs: float
    outputs: float  # neurons x steps
    membrane_updates: float
    neuron_updates: float  # neurons x steps (every neuron is updated every step)


@dataclass(frozen=True)
class MemoryAccesses:
    """Word accesses per inference of an event-driven core (Lemaire et al. 2022's terms):
    each synaptic op (nonzero input x nonzero weight: zero weights pruned) reads a weight
    and read-modify-writes a state word; each neuron
    update reads and writes its state words (two with a synaptic current) and reads its
    bias (neuron or synapse bias, each step); each spike is written
    to and read from a FIFO once per destination synapse node."""

    weight_reads: float
    state_reads: float
    state_writes: float
    bias_reads: float
    spike_writes: float
    spike_reads: float

    @property
    def total(self) -> float:
        return sum(dataclasses.astuple(self))


@dataclass(frozen=True)
class Metrics:
    steps: int
    batch: int
    dt: float
    synapses: tuple[SynapseLayer, ...]
    neurons: tuple[NeuronLayer, ...]
    memory: MemoryAccesses
    footprint_bytes: int
    parameter_count: int
    connection_sparsity: float
    bytes_per_value: int
    assumptions: tuple[str, ...] = ()
    #: host-placed node -> multiply-accumulate equivalents per inference (mixed graphs;
    #: synapses and neurons above are then the chip's only)
    host_ops: Mapping[str, float] = dataclasses.field(default_factory=dict)

    @property
    def host_ops_total(self) -> float:
        return float(sum(self.host_ops.values()))

    # -- NeuroBench-named totals ----------------------------------------------------------
    @property
    def synaptic_operations(self) -> dict[str, float]:
        return {
            "Effective_MACs": sum(s.effective_macs for s in self.synapses),
            "Effective_ACs": sum(s.effective_acs for s in self.synapses),
            "Dense": sum(s.dense for s in self.synapses),
        }

    @property
    def activation_sparsity(self) -> float:
        total = sum(n.outputs for n in self.neurons)
        return 0.0 if total == 0 else 1.0 - sum(n.nonzero_outputs for n in self.neurons) / total

    @property
    def membrane_updates(self) -> float:
        return sum(n.membrane_updates for n in self.neurons)

    @property
    def spikes(self) -> float:
        return sum(n.spikes for n in self.neurons)

    @property
    def neuron_updates(self) -> float:
        return sum(n.neuron_updates for n in self.neurons)

    @property
    def synaptic_events(self) -> float:
        return sum(s.synaptic_events for s in self.synapses)

    def totals(self) -> dict[str, float]:
        """Per-inference totals, NeuroBench names first."""
        return {
            **self.synaptic_operations,
            "ActivationSparsity": self.activation_sparsity,
            "MembraneUpdates": self.membrane_updates,
            "Footprint": self.footprint_bytes,
            "ConnectionSparsity": self.connection_sparsity,
            "ParameterCount": self.parameter_count,
            "spikes": self.spikes,
            "synaptic_events": self.synaptic_events,
            "neuron_updates": self.neuron_updates,
            "memory_accesses": self.memory.total,
        }

    def per_step(self) -> dict[str, float]:
        """Activity totals divided by the number of steps (static metrics left out)."""
        static = {"ActivationSparsity", "Footprint", "ConnectionSparsity", "ParameterCount"}
        return {k: v / self.steps for k, v in self.totals().items() if k not in static}

    def to_dict(self) -> dict:
        return {
            "steps": self.steps,
            "batch": self.batch,
            "dt": self.dt,
            "totals": self.totals(),
            "per_step": self.per_step(),
            # a synapse's destination node: 'target' is a chip's name in the --json schema
            "synapses": [{("destination" if k == "target" else k): v for k, v in dataclasses.asdict(s).items()}
                         for s in self.synapses],
            # 'outputs' maps node names to results in the --json schema: here it counts values
            "neurons": [{("output_values" if k == "outputs" else k): v for k, v in dataclasses.asdict(n).items()}
                        for n in self.neurons],
            "memory": dataclasses.asdict(self.memory),
            "bytes_per_value": self.bytes_per_value,
            "assumptions": list(self.assumptions),
            "host_ops": dict(self.host_ops),
        }


# -- synapse counting -------------------------------------------------------------------
_apply = apply_synapse


def _pairs(node: Node, counts: np.ndarray, weight_mask: np.ndarray) -> float:
    """Sum over outputs of (input counts) x (weight mask): the number of pairs."""
    x = torch.as_tensor(counts, dtype=torch.float64)[None]
    w = torch.as_tensor(weight_mask, dtype=torch.float64)
    return float(_apply(node, x, w).sum())


def _fan(node: Node, in_shape: tuple[int, ...]) -> tuple[int, int]:
    ones_w = torch.ones(synapse_weight(node).shape, dtype=torch.float64)
    x = torch.ones((1, *in_shape), dtype=torch.float64, requires_grad=True)
    y = _apply(node, x, ones_w)
    fan_in = int(y.max())
    y.sum().backward()  # d(sum y)/dx_i = number of outputs x_i reaches
    fan_out = int(x.grad.max())  # type: ignore[union-attr]
    return fan_in, fan_out


def synapse_layer(graph: Graph, name: str, counts: SynapseCounts, batch: int, steps: int) -> SynapseLayer:
    """One synapse node's operations per inference, from the counts of ``batch`` samples."""
    node = graph.nodes[name]
    weight = synapse_weight(node)
    bias = synapse_bias(node)
    spiking_step = counts.spiking
    ac_counts = counts.nonzero[spiking_step].sum(axis=0)
    mac_counts = counts.nonzero[~spiking_step].sum(axis=0)
    mask = (weight != 0).astype(np.float64)
    ones = np.ones_like(mask)
    in_shape = counts.nonzero.shape[1:]
    dense_per_step = _pairs(node, np.ones(in_shape), ones)
    outgoing = graph.outgoing(name)
    fan_in, fan_out = _fan(node, tuple(in_shape))
    return SynapseLayer(
        name=name,
        kind=node.kind,
        target=outgoing[0].dst if outgoing else "",
        inputs=int(math.prod(in_shape)),
        weights=int(weight.size),
        nonzero_weights=int(np.count_nonzero(weight)),
        biases=0 if bias is None else int(np.size(bias)),
        fan_in=fan_in,
        fan_out=fan_out,
        dense_per_step=int(dense_per_step),
        effective_acs=_pairs(node, ac_counts, mask) / batch,
        effective_macs=_pairs(node, mac_counts, mask) / batch,
        dense=dense_per_step * steps,
        dense_macs=dense_per_step * int((~spiking_step).sum()),
        input_events=float(counts.nonzero.sum()) / batch,
        synaptic_events=_pairs(node, ac_counts + mac_counts, ones) / batch,
        ac_synaptic_events=_pairs(node, ac_counts, ones) / batch,
    )


# -- neuron counting --------------------------------------------------------------------
def neuron_layer(name: str, node: NeuronNode, counts: NeuronCounts, batch: int, steps: int) -> NeuronLayer:
    """One neuron node's activity per inference, from the counts of ``batch`` samples."""
    neurons = math.prod(node.shape)
    nonzero = float(counts.nonzero) / batch
    traits = neuron_traits(node)
    return NeuronLayer(
        name=name,
        kind=node.kind,
        neurons=neurons,
        spiking=traits.spiking,
        has_current=traits.has_current,
        has_bias=traits.has_bias,
        spikes=nonzero if traits.spiking else 0.0,
        nonzero_outputs=nonzero,
        outputs=float(neurons * steps),
        membrane_updates=(neurons * batch + counts.changed) / batch if steps else 0.0,
        neuron_updates=float(neurons * steps),
    )


def memory_accesses(
    graph: Graph, synapses: list[SynapseLayer], neurons: list[NeuronLayer], steps: int
) -> MemoryAccesses:
    spikes_by_node = {n.name: n.spikes for n in neurons}
    consumers = {
        n.name: sum(1 for e in graph.outgoing(n.name) if is_synapse(graph.nodes[e.dst]))
        for n in neurons
    }
    events = sum(s.effective_acs + s.effective_macs for s in synapses)
    state_words = sum(n.neuron_updates * (2 if n.has_current else 1) for n in neurons)
    return MemoryAccesses(
        weight_reads=events,
        state_reads=events + state_words,
        state_writes=events + state_words,
        bias_reads=sum(n.neuron_updates for n in neurons if n.has_bias)
        + sum(s.biases * steps for s in synapses),
        spike_writes=sum(spikes_by_node.values()),
        spike_reads=sum(spikes_by_node[k] * consumers[k] for k in spikes_by_node),
    )


# -- static metrics ---------------------------------------------------------------------
def static_metrics(graph: Graph, bytes_per_value: int = 4) -> tuple[int, int, float]:
    """(Footprint bytes, ParameterCount, ConnectionSparsity) of ``graph``."""
    values = sum(a.size for node in graph.nodes.values() for a in node.param_arrays().values())
    params = 0
    zeros = weights = 0
    for node in graph.nodes.values():
        if is_synapse(node):
            w, b = synapse_weight(node), synapse_bias(node)
            params += w.size + (0 if b is None else b.size)
            zeros += int(np.sum(w == 0))
            weights += w.size
    sparsity = zeros / weights if weights else 0.0
    return int(values * bytes_per_value), int(params), float(sparsity)


def compute_metrics(graph: Graph, activity: Activity, bytes_per_value: int = 4) -> Metrics:
    """Every metric of ``graph`` for one recorded run."""
    return metrics_from_counts(graph, count_activity(graph, activity), bytes_per_value)


def metrics_from_counts(graph: Graph, counts: ActivityCounts, bytes_per_value: int = 4) -> Metrics:
    """Every metric of ``graph`` from the additive counts of one or more runs
    (:mod:`snncompile.estimate.counts`): per-inference averages over ``counts.batch``."""
    batch, steps = counts.batch, counts.steps
    synapses = [synapse_layer(graph, name, counts.synapses[name], batch, steps) for name in counted_synapses(graph)]
    neurons = [neuron_layer(name, graph.nodes[name], counts.neurons[name], batch, steps)  # type: ignore[arg-type]
               for name in counted_neurons(graph)]
    host = host_ops_per_sample(graph, steps)
    footprint, params, sparsity = static_metrics(graph, bytes_per_value)
    return Metrics(
        steps=steps,
        batch=batch,
        dt=counts.dt,
        synapses=tuple(synapses),
        neurons=tuple(neurons),
        memory=memory_accesses(graph, synapses, neurons, steps),
        footprint_bytes=footprint,
        parameter_count=params,
        connection_sparsity=sparsity,
        bytes_per_value=bytes_per_value,
        assumptions=(
            f"activity recorded by the '{counts.backend}' backend over a batch of "
            f"{batch} x {steps} steps; counts are per-sample averages",
            "synaptic ops counted where a synapse node receives its input (edge delays applied)",
            f"Footprint: every parameter array at {bytes_per_value} bytes per value",
        ) + ((*HOST_ASSUMPTIONS, "synapses and neurons placed on the host are counted as host ops, not "
                                 "as the chip's") if host else ()),
        host_ops=host,
    )

"""A per-core, per-step cycle model of a fixed graph run in the emulator.

Placement: each neuron population (FixedLIF) is cut into contiguous blocks of
``neurons_per_core`` neurons, one core each, in graph order. A synapse node's work lands on
the cores of the population it feeds (its first FixedLIF consumer), since on Loihi the
synaptic memory sits with the destination neurons; a synapse feeding no neuron gets cores
of its own.

Per sample, step and core::

    cycles = events_in * cycles_per_event + synops * cycles_per_synop
           + neuron_updates * cycles_per_neuron_update + spikes_out * cycles_per_spike

``events_in`` counts active sources with at least one synapse into the core. A step lasts
``max over cores(cycles) + barrier_cycles`` (the cores synchronise every step); time is
cycles / ``clock_hz``. The core description is a plain dict with those keys (the target's
``[cycles]`` table); missing keys count 0 cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.ir import Graph
from snncompile.ir.fixed import FixedLIF, FixedSynapse

COST_KEYS = ("cycles_per_event", "cycles_per_synop", "cycles_per_neuron_update", "cycles_per_spike")

#: core-description key -> (target section, key) it is read from
TARGET_KEYS = {
    "cycles_per_synop": ("cycles", "per_synop"),
    "cycles_per_neuron_update": ("cycles", "per_neuron_update"),
    "cycles_per_spike": ("cycles", "per_spike"),
    "clock_hz": ("timing", "clock_hz"),
    "neurons_per_core": ("limits", "neurons_per_core"),
}


def core_description(target, **overrides: float) -> dict:
    """The cycle model's core description from a target (``snncompile.targets.Target``):
    its ``[cycles]`` per-operation costs, ``timing.clock_hz``, ``timing.barrier_s`` and
    ``limits.neurons_per_core``; ``overrides`` fill or replace entries. Raises InputError
    naming every missing figure (with the target's stated gap) when one is still absent."""
    from snncompile.errors import InputError

    desc: dict = {}
    missing = []
    for key, (section, name) in TARGET_KEYS.items():
        figure = getattr(target, section).get(name)
        if key in overrides:
            desc[key] = float(overrides[key])
        elif figure is not None:
            desc[key] = float(figure.value)
        else:
            gap = target.gaps.get(f"{section}.{name}", "not given")
            missing.append(f"{section}.{name} ({gap})")
    barrier = target.timing.get("barrier_s")
    if "barrier_cycles" in overrides:
        desc["barrier_cycles"] = float(overrides["barrier_cycles"])
    elif barrier is not None and "clock_hz" in desc:
        desc["barrier_cycles"] = float(barrier.value) * desc["clock_hz"]
    if missing:
        raise InputError(
            f"target '{target.name}' lacks figures the cycle model needs: {'; '.join(missing)}; "
            "pass them as overrides"
        )
    return desc


@dataclass
class CoreLayout:
    neurons_per_core: int
    offsets: dict[str, int]  # node -> first global core id
    counts: dict[str, int]  # node -> number of cores
    owner: dict[str, str]  # synapse -> population whose cores it uses
    sizes: dict[str, int]

    @classmethod
    def build(cls, graph: Graph, sizes: dict[str, int], neurons_per_core: int) -> CoreLayout:
        if neurons_per_core < 1:
            raise ValueError("neurons_per_core must be >= 1")
        offsets, counts, owner = {}, {}, {}
        total = 0
        for name, node in graph.items():
            if isinstance(node, FixedLIF):
                offsets[name], counts[name] = total, -(-sizes[name] // neurons_per_core)
                total += counts[name]
        for name, node in graph.items():
            if not isinstance(node, FixedSynapse):
                continue
            consumers = [e.dst for e in graph.outgoing(name) if isinstance(graph.nodes[e.dst], FixedLIF)]
            if consumers:
                owner[name] = consumers[0]
            else:
                offsets[name], counts[name] = total, -(-sizes[name] // neurons_per_core)
                total += counts[name]
                owner[name] = name
        return cls(neurons_per_core, offsets, counts, owner, sizes)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def synapse_cores(self, synapse: str) -> tuple[np.ndarray, int]:
        """(global core id of each output index, number of cores in the layout)."""
        base = self.offsets[self.owner[synapse]]
        return base + np.arange(self.sizes[synapse]) // self.neurons_per_core, self.total


class CycleModel:
    def __init__(self, desc: dict, layout: CoreLayout, runner) -> None:
        self.desc = desc
        self.costs = {k: float(desc.get(k, 0.0)) for k in COST_KEYS}
        self.barrier = float(desc.get("barrier_cycles", 0.0))
        self.clock = float(desc.get("clock_hz", 1.0))
        self.layout = layout
        self.runner = runner
        self.src_core = {}  # synapse -> (n_in, cores) bool: source has a synapse into core
        for name, kernel in runner.kernels.items():
            if hasattr(kernel, "csr"):
                csr = kernel.csr
                src = np.repeat(np.arange(csr.n_in), np.diff(csr.indptr))
                mask = np.zeros((csr.n_in, layout.total), bool)
                mask[src, kernel.dst_core[csr.indices]] = True
                self.src_core[name] = mask

    def reset(self, batch: int) -> None:
        self.batch = batch
        self.step_cycles: list[np.ndarray] = []  # per step: (B,) critical path incl. barrier
        self.core_cycles: list[np.ndarray] = []  # per step: (cores,) summed over the batch

    def step(self) -> None:
        n_cores, batch, lay = self.layout.total, self.batch, self.layout
        cycles = np.zeros((batch, n_cores))
        for name, kernel in self.runner.kernels.items():
            if name in self.src_core:
                cycles += kernel.core_synops * self.costs["cycles_per_synop"]
                kernel.core_synops[:] = 0
                active = kernel.last_active
                if active.size and self.costs["cycles_per_event"]:
                    b, i = np.divmod(active, kernel.csr.n_in)
                    events = np.zeros((batch, n_cores))
                    np.add.at(events, b, self.src_core[name][i])
                    cycles += events * self.costs["cycles_per_event"]
            else:
                first, count = lay.offsets[name], lay.counts[name]
                per_core = np.minimum(lay.neurons_per_core, kernel.n - np.arange(count) * lay.neurons_per_core)
                cycles[:, first:first + count] += per_core * self.costs["cycles_per_neuron_update"]
                active = kernel.active[: kernel.count]
                if active.size:
                    b, i = np.divmod(active, kernel.n)
                    np.add.at(cycles, (b, first + i // lay.neurons_per_core), self.costs["cycles_per_spike"])
        self.step_cycles.append(cycles.max(axis=1) + self.barrier)
        self.core_cycles.append(cycles.sum(axis=0))

    def report(self) -> dict:
        steps = np.stack(self.step_cycles, axis=1) if self.step_cycles else np.zeros((self.batch, 0))
        per_sample = steps.sum(axis=1)
        return {
            "cores": self.layout.total,
            "placement": {n: [self.layout.offsets[n], self.layout.counts[n]] for n in self.layout.offsets},
            "step_cycles": steps,  # (batch, time)
            "core_cycles": np.stack(self.core_cycles) if self.core_cycles else np.zeros((0, self.layout.total)),
            "cycles_per_sample": per_sample,
            "seconds_per_sample": per_sample / self.clock,
        }

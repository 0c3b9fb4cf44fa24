"""Measure a compiled graph's generated C on a Cortex-M: flash and RAM from the ELF,
cycles per step from the instruction-set simulation, and the step's work from the
emulator's counters (synaptic operations, neuron updates, spikes), so that cycles can
be attributed to each (:func:`fit_costs`)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snncompile.backends.c.iss import IssRun, simulate
from snncompile.backends.c.mcu import Sizes, build_elf, compile_object, network_sizes
from snncompile.backends.c.project import write_project
from snncompile.errors import UnsupportedError
from snncompile.ir import Graph
from snncompile.ir.fixed import FixedLIF, FixedSynapse


@dataclass
class Measurement:
    """One sample run on ``target``: sizes, per-step cycles and work."""

    target: str
    sizes: Sizes
    run: IssRun
    synops: np.ndarray  # (steps,) nonzero synapses of the active sources
    updates: np.ndarray  # (steps,) neuron updates
    spikes: np.ndarray  # (steps,) spikes emitted by neuron populations
    events: np.ndarray  # (steps,) active sources seen by synapses (spikes x synapses fed, inputs)

    @property
    def cycles(self) -> np.ndarray:
        return np.asarray(self.run.steps.cycles)

    def summary(self) -> dict:
        c = self.cycles
        return {
            "target": self.target, "flash_bytes": self.sizes.flash, "ram_bytes": self.sizes.ram,
            "probe_api_flash_bytes": self.sizes.probe_flash, "peak_stack_bytes": self.run.peak_stack,
            "steps": int(c.size), "cycles_per_step_mean": float(c.mean()), "cycles_per_step_max": float(c.max()),
            "cycles_per_step_mean_refill1": float(np.mean(self.run.steps.cycles_p1)),
            "cycles_per_step_mean_refill3": float(np.mean(self.run.steps.cycles_p3)),
            "instructions_per_step_mean": float(np.mean(self.run.steps.instructions)),
            "synops_per_step": float(self.synops.mean()), "neuron_updates_per_step": float(self.updates.mean()),
            "spikes_per_step": float(self.spikes.mean()), "events_per_step": float(self.events.mean()),
        }


def measure(graph: Graph, inputs: np.ndarray, target: str) -> Measurement:
    """Run one sample (``inputs``: (steps, *input shape) integer payloads) on ``target``'s
    instruction set; checks that the outputs there equal the emulator's."""
    from snncompile.emulator import emulate

    steps = int(inputs.shape[0])
    emu = emulate(graph, inputs[None], counters=True)
    with tempfile.TemporaryDirectory(prefix="snnc-mcu-") as tmp:
        folder = Path(tmp) / "project"
        write_project(graph, folder, target=target)
        sizes = network_sizes(compile_object(folder, target))
        run = simulate(build_elf(folder, target, inputs.reshape(steps, -1)), target)
    expected = np.concatenate([emu.outputs[n].reshape(steps, -1).sum(axis=0) for n in graph.outputs])
    if list(expected) != run.outputs[:expected.size] or len(run.steps.cycles) != steps:
        raise UnsupportedError(f"the {target} build computed other outputs than the emulator: "
                               f"{run.outputs[:expected.size]} vs {list(expected)}")
    synops, updates, spikes, events = (np.zeros(steps, np.int64) for _ in range(4))
    for name, counts in emu.counters.items():
        node = graph.nodes[name]
        if isinstance(node, FixedSynapse):
            synops += counts["synops"]
            events += counts["events"]
        elif isinstance(node, FixedLIF):
            updates += counts["updates"]
            spikes += counts["spikes"]
    return Measurement(target, sizes, run, synops, updates, spikes, events)


@dataclass(frozen=True)
class CostFit:
    """``cycles per step ~ per_synop x synops + per_neuron_update x updates + per_spike
    x spikes + per_step`` by non-negative least squares over every measured step (the
    terms of the ``mcu`` estimate model)."""

    per_synop: float
    per_neuron_update: float
    per_spike: float
    per_step: float
    rms_relative: float
    steps: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def fit_costs(measurements: list[Measurement], refill: str = "cycles") -> CostFit:
    """The fit over every step of ``measurements``; ``refill``: which cycle count
    (``cycles``, or ``cycles_p1`` / ``cycles_p3`` for the pipeline refill's bounds)."""
    x = np.concatenate([np.stack([m.synops, m.updates, m.spikes, np.ones_like(m.synops)], axis=1)
                        for m in measurements]).astype(np.float64)
    y = np.concatenate([np.asarray(getattr(m.run.steps, refill), np.float64) for m in measurements])
    from scipy.optimize import nnls

    coef, _ = nnls(x, y)  # every cost is a count of cycles: none negative
    rel = (x @ coef - y) / y
    synop, update, spike, step = (float(c) for c in coef)
    return CostFit(synop, update, spike, step, float(np.sqrt(np.mean(rel**2))), int(y.size))


def predict(fit: CostFit, m: Measurement) -> np.ndarray:
    """Cycles per step the fitted costs give for ``m``'s work."""
    return fit.per_synop * m.synops + fit.per_neuron_update * m.updates + fit.per_spike * m.spikes + fit.per_step

"""Run a compiled graph on SynSense's XyloSim (backend ``xylosim``).

The graph becomes one Xylo Audio 2 network (:func:`~.lower.plan_xylo`), built with
Rockpool 3.1.0's ``rockpool.devices.xylo.syns61201.XyloSim.from_specification`` (the C++
``xylosim.v2`` layer underneath) and run sample by sample (``reset_state``, then
``evolve(raster, record=True)``). Results are step-aligned with the emulator: the graph's
edges state Xylo's timing. Recorded per population: spike counts (``Spikes`` / the
output spikes), membranes (``Vmem`` / ``Vmem_out``) and synaptic currents (``Isyn`` /
``Isyn_out``; the second current ``Isyn2`` is unused and stays 0).

Inputs are spike counts per channel and step (integers 0..255: XyloSim reads uint8; it
counts at most 15). When the input synapses read binary spikes, every nonzero input is
sent as one spike, as the emulator reads it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.backends.xylosim.compat import ensure_xylosim
from snncompile.backends.xylosim.lower import XyloPlan, plan_xylo
from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import Graph, Node
from snncompile.ir.stage import is_float_graph
from snncompile.simulate.backend import (
    Backend,
    GraphKind,
    RunInputs,
    register_backend,
    resolve_record,
)
from snncompile.simulate.progress import steps_with_progress
from snncompile.simulate.result import SimResult


class XyloSimBackend(Backend):
    name = "xylosim"
    runs = GraphKind.COMPILED
    description = "SynSense's bit-exact Xylo Audio 2 simulator (xylosim via Rockpool 3.1.0), sample by sample"

    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        return self.unsupported(graph).get(name)

    def unsupported(self, graph: Graph) -> dict[str, str]:
        return plan_xylo(graph)[1]

    def check(self, graph: Graph) -> None:
        """A float model is refused in one phrase with the way out (compile it for Xylo);
        a compiled graph with every node Xylo cannot run, then the way out."""
        if is_float_graph(graph):
            raise UnsupportedError("the xylosim backend runs graphs compiled for xylo-audio2, this is a float "
                                   "model: compile it first (snncompile compile MODEL --target xylo-audio2 -o "
                                   "MODEL.snnc; snncompile map MODEL --target xylo-audio2 lists what does not fit)")
        try:
            super().check(graph)
        except UnsupportedError as exc:
            raise UnsupportedError(f"{exc} (a graph compiled for xylo-audio2 runs on XyloSim: snncompile compile "
                                   "MODEL --target xylo-audio2)") from None

    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, currents: Any = None, **_: Any) -> SimResult:
        plan, problems = plan_xylo(graph)
        if plan is None:
            raise UnsupportedError(f"the xylosim backend cannot run this graph: {problems}")
        populations = {**plan.hidden, **plan.outputs}
        u_names = [n for n in resolve_record(graph, currents) if n in populations]
        wanted = [*record, *membranes, *u_names]
        others = [n for n in wanted if n not in populations]
        if others:
            raise UnsupportedError(f"the xylosim backend records neuron populations only, not {sorted(set(others))}")
        XyloSim = ensure_xylosim()
        sim = XyloSim.from_specification(**plan.specification, dt=graph.dt)
        raster = _rasters(inputs, plan, steps)
        runs = []
        for b in steps_with_progress(inputs.batch, progress, "xylosim (samples)"):
            sim.reset_state()
            spikes, _, rec = sim.evolve(raster[b], record=True)
            runs.append(_split(plan, np.asarray(spikes), rec, steps))
        shapes = graph.infer_shapes()

        def stack(kind: str, names) -> dict[str, np.ndarray]:
            return {n: np.stack([r[kind][n] for r in runs]).reshape(inputs.batch, steps, *shapes[n]) for n in names}

        outputs = stack("spikes", plan.outputs)
        return SimResult(
            outputs={o: outputs[pop] for o, pop in plan.output_nodes.items()},
            recorded=stack("spikes", record), membranes=stack("v", membranes), currents=stack("u", u_names),
            dt=graph.dt, backend=self.name,
        )


def _rasters(inputs: RunInputs, plan: XyloPlan, steps: int) -> np.ndarray:
    """(batch, steps, channels) uint8 spike counts, zero after the data ends."""
    x = np.asarray(inputs.arrays[plan.input])
    if x.dtype.kind == "f" and np.any(x != np.round(x)):
        raise InputError(f"input '{plan.input}': Xylo reads spike counts (integers), found fractions")
    if x.size and (x.min() < 0 or x.max() > 255):
        raise InputError(f"input '{plan.input}': Xylo reads spike counts 0..255 per channel and step, "
                         f"found [{x.min()}, {x.max()}]")
    out = np.zeros((x.shape[0], steps, x.shape[2]), np.int64)
    n = min(steps, x.shape[1])
    out[:, :n] = (x[:, :n] != 0) if plan.binary_input else x[:, :n]
    return out


def _split(plan: XyloPlan, spikes: np.ndarray, rec: dict, steps: int) -> dict[str, dict[str, np.ndarray]]:
    """One sample's recordings by population: spikes, v, u (each (steps, size))."""
    layers = {"spikes": (np.asarray(rec["Spikes"]), spikes), "v": (np.asarray(rec["Vmem"]), np.asarray(rec["Vmem_out"])),
              "u": (np.asarray(rec["Isyn"]), np.asarray(rec["Isyn_out"]))}
    out: dict[str, dict[str, np.ndarray]] = {k: {} for k in layers}
    for kind, (hidden, output) in layers.items():
        for group, values in ((plan.hidden, hidden), (plan.outputs, output)):
            values = values.reshape(steps, -1)
            for pop, start in group.items():
                out[kind][pop] = values[:, start:start + plan.sizes[pop]].astype(np.int64)
    return out


XYLOSIM = register_backend(XyloSimBackend())

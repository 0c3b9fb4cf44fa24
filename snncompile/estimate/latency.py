"""Per-core latency of a time-stepped chip: cores run in parallel, all wait at a barrier.

For each core of a :class:`~snncompile.mapping.Placement`, per (average) step::

    cycles(core) = sum over its slices of  c_synop  x synaptic ops into the slice
                                        + c_update x neurons of the slice
                                        + c_spike  x spikes of the slice

where a slice gets its layer's synaptic ops and spikes in proportion to its neurons
(activity assumed uniform over a layer's neurons). A step lasts
``max over cores(cycles) / clock + barrier``. Needs the target's ``timing.clock_hz`` and
``cycles.per_synop`` / ``cycles.per_neuron_update`` (``per_spike`` optional).
"""

from __future__ import annotations

from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import FigureLog
from snncompile.mapping import Placement


def core_cycles_per_step(m: Metrics, placement: Placement, c_synop: float, c_update: float,
                         c_spike: float) -> list[float]:
    """Average cycles per step of every core, in core order."""
    synops = {s.name: s.effective_acs + s.effective_macs for s in m.synapses}
    neurons = {n.name: n for n in m.neurons}
    layer_synops = {ly.name: sum(synops.get(s, 0.0) for s in ly.synapses) for ly in placement.layers}
    out = []
    for core in placement.cores:
        cycles = 0.0
        for sl in core.slices:
            layer = neurons[sl.layer]
            share = sl.neurons / layer.neurons
            cycles += c_synop * layer_synops[sl.layer] * share / m.steps
            cycles += c_update * sl.neurons
            cycles += c_spike * layer.spikes * share / m.steps
        out.append(cycles)
    return out


def core_step_latency(m: Metrics, placement: Placement | None, log: FigureLog) -> tuple[float, str] | None:
    """(seconds per step, note), or None when the target lacks the figures or the
    placement has no cores (the caller falls back to a simpler model)."""
    t = log.target
    if placement is None or not placement.cores or t.figure("timing", "clock_hz") is None \
            or t.figure("cycles", "per_synop") is None or t.figure("cycles", "per_neuron_update") is None:
        return None
    clock = log.get("timing", "clock_hz")
    c_synop = log.get("cycles", "per_synop")
    c_update = log.get("cycles", "per_neuron_update")
    c_spike = log.get("cycles", "per_spike", required=False) or 0.0
    barrier = log.get("timing", "barrier_s", required=False) or 0.0
    assert clock and c_synop is not None and c_update is not None
    worst = max(core_cycles_per_step(m, placement, c_synop, c_update, c_spike))
    note = (f"cores in parallel: slowest of {len(placement.cores)} cores, {worst:.4g} cycles per "
            f"average step / clock" + (" + barrier" if barrier else ""))
    return worst / clock + barrier, note

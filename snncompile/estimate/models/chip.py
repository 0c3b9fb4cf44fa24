"""(c) A chip's own model: per-op energies, static power x latency, spike routing; the
latency per step from the chip's timing (tick, per-core cycles, cycle model, barrier)."""

from __future__ import annotations

from collections.abc import Callable

from snncompile.estimate.latency import core_step_latency
from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import Estimate, FigureLog, Term
from snncompile.estimate.registry import register_model
from snncompile.mapping import Placement
from snncompile.targets import Target


@register_model("chip")
def chip(m: Metrics, target: Target, placement: Placement | None = None) -> Estimate:
    """``E = E_synop x effective synaptic ops + E_update x neuron updates (active/inactive
    where the chip distinguishes them) + E_spike x spike deliveries + P_static x
    latency``; latency per step = tick, or the per-core cycle model (cores in parallel +
    barrier, :mod:`snncompile.estimate.latency`), or the barrier alone (a lower bound),
    or for asynchronous chips the real-time duration ``steps x dt`` of the input."""
    log = FigureLog(target)
    terms: list[Term] = []
    notes: list[str] = [
        "zero weights pruned: a synaptic op is a (nonzero input, nonzero weight) pair "
        "(NeuroBench Effective ACs + MACs)",
    ]
    key, synop = log.first("energy", "synop_j", "synop_active_j")
    if synop is not None:
        terms += [Term("synaptic ops", s.effective_acs + s.effective_macs, synop, f"energy.{key}", s.name)
                  for s in m.synapses]
    active = log.get("energy", "neuron_update_active_j", required=False)
    inactive = log.get("energy", "neuron_update_inactive_j", required=False)
    if active is not None and inactive is not None:
        for n in m.neurons:
            terms.append(Term("neuron updates (active)", n.membrane_updates, active,
                              "energy.neuron_update_active_j", n.name))
            terms.append(Term("neuron updates (inactive)", n.neuron_updates - n.membrane_updates,
                              inactive, "energy.neuron_update_inactive_j", n.name))
        notes.append("a neuron update is 'active' when its membrane changes (NeuroBench MembraneUpdates)")
    else:
        upd = log.get("energy", "neuron_update_j")
        if upd is not None:
            terms += [Term("neuron updates", n.neuron_updates, upd, "energy.neuron_update_j", n.name)
                      for n in m.neurons]
    local = log.get("energy", "spike_local_j", required=False)
    if local is not None:
        terms.append(Term("spike routing (within tile)", m.memory.spike_reads, local, "energy.spike_local_j"))
        notes.append("every spike delivery counted as within a tile (mesh hops not modelled)")
    step_s, latency_note = _step_latency(m, target, log, placement)
    power_key, power = log.first("energy", "static_power_w", "idle_power_w")
    if power is not None and power_key is not None:
        if step_s is None:
            log.missing.append(f"latency for energy.{power_key}: {latency_note}")
        else:
            terms.append(Term(f"{power_key[:-2].replace('_', ' ')} x latency", step_s * m.steps,
                              power, f"energy.{power_key}"))
    borrowed = sorted({f.note.split(" ", 3)[2] for f in log.used.values() if f.note.startswith("BORROWED from")})
    if borrowed:
        notes.append(f"energy figures BORROWED from {', '.join(borrowed)} (not {target.name}'s own): "
                     "a different chip and process; read as an order of magnitude")
    return Estimate(
        target=target.name, model="chip", steps=m.steps, terms=tuple(terms), figures=log.used,
        missing=tuple(dict.fromkeys(log.missing)), assumptions=tuple(notes),
        step_latency_s=step_s, latency_note=latency_note, energy_known=bool(terms),
        latency_is_bound=latency_note.startswith("lower bound"),
        cycles_per_step=_chip_cycles(m, target, log),
    )


def _chip_cycles(m: Metrics, target: Target, log: FigureLog) -> float | None:
    fn = CYCLE_MODELS.get(target.name)
    return fn(m, log) / m.steps if fn else None


def _step_latency(m: Metrics, target: Target, log: FigureLog,
                  placement: Placement | None = None) -> tuple[float | None, str]:
    if target.execution == "asynchronous":
        note = "asynchronous chip: it keeps pace with the input, one step = dt of real time"
        event = log.get("timing", "event_latency_s", required=False)
        if event is not None:
            note += f"; one event crosses the network in {event * 1e6:.3g} us (timing.event_latency_s)"
        return m.dt, note
    tick = log.get("timing", "tick_s", required=False)
    if tick is not None:
        return tick, "fixed tick per time step"
    per_core = core_step_latency(m, placement, log)
    if per_core is not None:
        return per_core
    clock = log.get("timing", "clock_hz", required=False)
    fn = CYCLE_MODELS.get(target.name)
    if fn is not None:
        if clock is not None:
            return fn(m, log) / m.steps / clock, "cycle model / clock"
        return m.dt, ("real time: the clock is set so one step's cycles fit in dt (the clock "
                      "is not in the references; see cycles_per_step)")
    barrier = log.get("timing", "barrier_s", required=False)
    if barrier is not None:
        return barrier, ("lower bound: barrier synchronisation only; core compute time per step "
                         "is not in the references")
    why = target.gap("timing", "clock_hz") or "no tick, clock or barrier figure"
    return None, f"unknown: {why}"


# -- chip cycle models ---------------------------------------------------------------------
def xylo_cycles(m: Metrics, log: FigureLog) -> float:
    """Rockpool's Xylo Audio cycle model, term by term, per inference: the synapse node
    fed by the graph input is the input layer, the one feeding the last neuron node the
    output layer, the rest hidden (recurrent). Xylo stores dense weight matrices, so
    synaptic terms count input spikes x fan-out (zero weights included)."""
    c = {k: log.get("cycles", k) or 0.0 for k in (
        "per_input_synop", "per_input_channel", "per_hidden_synop", "per_hidden_neuron",
        "per_hidden_spike", "per_output_synop", "per_hidden_neuron_fixed", "per_output_neuron_fixed")}
    out_layer = m.neurons[-1].name if m.neurons else ""
    first = m.synapses[0].name if m.synapses else ""
    cycles = 0.0
    for s in m.synapses:
        if s.name == first:
            cycles += c["per_input_synop"] * s.synaptic_events + c["per_input_channel"] * s.inputs * m.steps
        elif s.target == out_layer:
            cycles += c["per_output_synop"] * s.synaptic_events
        else:
            cycles += c["per_hidden_synop"] * s.synaptic_events
    for n in m.neurons:
        if n.name == out_layer:
            cycles += c["per_output_neuron_fixed"] * n.neuron_updates
        else:
            cycles += (c["per_hidden_neuron"] + c["per_hidden_neuron_fixed"]) * n.neuron_updates
            cycles += c["per_hidden_spike"] * n.spikes
    return cycles


CYCLE_MODELS: dict[str, Callable[[Metrics, FigureLog], float]] = {"xylo-audio2": xylo_cycles}

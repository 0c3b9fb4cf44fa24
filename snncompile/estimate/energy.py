"""Energy and latency models: metrics x target figures -> :class:`Estimate`.

Registered in ``MODELS`` (name -> function); :func:`models_for` picks the ones that
apply to a target (its ``kind``). Each model states its equation in its docstring and
its assumptions in the record it returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from snncompile.estimate.latency import core_step_latency
from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import Estimate, FigureLog, Term
from snncompile.mapping import Placement
from snncompile.targets import Target

Model = Callable[..., Estimate]  # (metrics, target, placement=None) -> Estimate
MODELS: dict[str, Model] = {}


def register_model(name: str) -> Callable[[Model], Model]:
    def wrap(fn: Model) -> Model:
        MODELS[name] = fn
        return fn

    return wrap


def models_for(target: Target) -> list[str]:
    """Model names that apply to ``target``: energy methods get the paper and the
    memory-aware model, chips their own model, MCUs the cycle model."""
    if target.kind == "method":
        return ["paper", "memory-aware"]
    if target.kind == "mcu":
        return ["mcu"]
    return ["chip"]


def estimate(metrics: Metrics, target: Target, model: str | None = None,
             placement: Placement | None = None) -> list[Estimate]:
    """Estimates of ``metrics`` on ``target`` (every model that applies, or ``model``);
    ``placement`` (from :func:`snncompile.mapping.map_graph`) enables the per-core
    latency model."""
    names = [model] if model else models_for(target)
    return [MODELS[n](metrics, target, placement=placement) for n in names]


# -- (a) the paper method -----------------------------------------------------------------
@register_model("paper")
def paper(m: Metrics, target: Target, placement: Placement | None = None) -> Estimate:
    """``E = E_MAC x MACs(layers fed non-spiking input) + E_AC x sum SOP``, where
    ``SOP_l = firing rate x T x FLOPs_l`` = input spikes x fan-out (synaptic events)."""
    log = FigureLog(target)
    e_mac = log.get("energy", "e_mac_j")
    e_ac = log.get("energy", "e_ac_j")
    terms = []
    for s in m.synapses:
        if e_mac is not None and s.dense_macs:
            terms.append(Term("MAC (non-spiking input)", s.dense_macs, e_mac, "energy.e_mac_j", s.name))
        if e_ac is not None:
            terms.append(Term("AC (SOP)", s.ac_synaptic_events, e_ac, "energy.e_ac_j", s.name))
    return Estimate(
        target=target.name, model="paper", steps=m.steps, terms=tuple(terms),
        figures=log.used, missing=tuple(log.missing),
        energy_known=e_mac is not None and e_ac is not None,
        assumptions=(
            "paper method (Spikformer and successors): only synaptic arithmetic is counted; "
            "memory, neuron updates and spike routing are ignored",
            "MACs = dense (input x weight) pairs of steps whose input is not binary "
            "(the first, non-spiking layer); SOP = input spikes x fan-out, zero weights included",
        ),
        latency_note="the paper method has no latency model",
    )


# -- (b) memory-aware model (Lemaire et al., ICONIP 2022) ---------------------------------
_SRAM_POINTS = (("sram_read_64b_8kib_j", 8 * 1024), ("sram_read_64b_32kib_j", 32 * 1024),
                ("sram_read_64b_1mib_j", 1024 * 1024))


def sram_access_j(points: list[tuple[int, float]], array_bytes: float, word_bits: int) -> float:
    """Energy of one ``word_bits`` access to an SRAM of ``array_bytes``: log-log
    interpolation of the 64-bit-read table (extrapolated with the nearest segment's
    slope; the 8/32 KiB points give exactly the sqrt(size) law), scaled by
    ``word_bits / 64``."""
    size = max(float(array_bytes), 1.0)
    (s0, e0), (s1, e1) = points[0], points[1]
    for a, b in zip(points, points[1:]):
        (s0, e0), (s1, e1) = a, b
        if size <= s1:
            break
    slope = math.log(e1 / e0) / math.log(s1 / s0)
    return e0 * (size / s0) ** slope * word_bits / 64


@register_model("memory-aware")
def memory_aware(m: Metrics, target: Target, placement: Placement | None = None,
                 word_bits: int = 32, fifo_bytes: int = 8 * 1024) -> Estimate:
    """Lemaire et al. (ICONIP 2022, arXiv 2210.13107): ``E = E_ops + E_addressing +
    E_memory``.

    - ops: each synaptic event is one add; each neuron update one multiply (leak) and one
      add (two of each with a synaptic current); MAC-step pairs a multiply and an add;
    - addressing: one integer add per synaptic event (target address);
    - memory: weight read per event; state read + write per event and per neuron update;
      bias read per biased neuron update; spike FIFO write + read per spike and consumer,
      each access priced by :func:`sram_access_j` for the array it hits.
    """
    log = FigureLog(target)
    add, mult = log.get("energy", "fp32_add_j"), log.get("energy", "fp32_mult_j")
    iadd = log.get("energy", "int32_add_j")
    points = [(size, log.get("energy", key)) for key, size in _SRAM_POINTS]
    if None in (add, mult, iadd) or any(e is None for _, e in points):
        return Estimate(target.name, "memory-aware", m.steps, (), log.used, (), tuple(log.missing),
                        energy_known=False)
    assert add is not None and mult is not None and iadd is not None  # checked above
    pts = [(int(s), float(e)) for s, e in points if e is not None]
    wbytes = word_bits // 8
    terms: list[Term] = []
    neurons = {n.name: n for n in m.neurons}
    for s in m.synapses:
        w_read = sram_access_j(pts, s.weights * wbytes, word_bits)
        target_layer = neurons.get(s.target)
        state_bytes = (target_layer.neurons if target_layer else s.dense_per_step) * wbytes
        st = sram_access_j(pts, state_bytes, word_bits)
        ev, macs = s.effective_acs, s.effective_macs
        terms += [
            Term("ops: synaptic add", ev, add, "energy.fp32_add_j", s.name),
            Term("ops: MAC", macs, add + mult, "energy.fp32_add_j+fp32_mult_j", s.name),
            Term("addressing", ev, iadd, "energy.int32_add_j", s.name),
            Term("memory: weight read", ev + macs, w_read, "energy.sram_read_64b_*", s.name),
            Term("memory: state read+write", 2 * (ev + macs), st, "energy.sram_read_64b_*", s.name),
        ]
        if s.biases:
            terms.append(Term("memory: bias read", s.biases * m.steps, st, "energy.sram_read_64b_*", s.name))
    fifo = sram_access_j(pts, fifo_bytes, word_bits)
    for n in m.neurons:
        words = 2 if n.has_current else 1
        st = sram_access_j(pts, n.neurons * words * wbytes, word_bits)
        terms += [
            Term("ops: neuron update", n.neuron_updates * words, add + mult, "energy.fp32_add_j+fp32_mult_j", n.name),
            Term("memory: state read+write", 2 * words * n.neuron_updates, st, "energy.sram_read_64b_*", n.name),
        ]
        if n.has_bias:
            terms.append(Term("memory: bias read", n.neuron_updates, st, "energy.sram_read_64b_*", n.name))
    spike_rw = m.memory.spike_writes + m.memory.spike_reads
    terms.append(Term("memory: spike FIFO", spike_rw, fifo, "energy.sram_read_64b_8kib_j"))
    return Estimate(
        target=target.name, model="memory-aware", steps=m.steps,
        terms=tuple(t for t in terms if t.count), figures=log.used, missing=tuple(log.missing),
        assumptions=(
            f"{word_bits}-bit words for weights, states and spikes; fp32 arithmetic",
            "each layer's weights, each layer's states and the spike FIFO "
            f"({fifo_bytes} B) sit in their own SRAM; a write costs as much as a read",
            "SRAM energy per access interpolated log-log from the Horowitz 64-bit read table, "
            "scaled by word width",
            "zero weights pruned: a synaptic op is a (nonzero input, nonzero weight) pair "
            "(NeuroBench Effective ACs/MACs)",
        ),
        latency_note="the memory-aware model has no latency model",
    )


# -- (c) chips' own models ------------------------------------------------------------------
def _spike_deliveries(m: Metrics) -> float:
    return m.memory.spike_reads


@register_model("chip")
def chip(m: Metrics, target: Target, placement: Placement | None = None) -> Estimate:
    """``E = E_synop x synaptic events + E_update x neuron updates (active/inactive
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
        terms.append(Term("spike routing (within tile)", _spike_deliveries(m), local, "energy.spike_local_j"))
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


# -- MCUs: software cycles ----------------------------------------------------------------
@register_model("mcu")
def mcu(m: Metrics, target: Target, placement: Placement | None = None) -> Estimate:
    """Event-driven SNN in software on one core: ``cycles = c_synop x synaptic events +
    c_update x neuron updates (+ c_spike x spikes) + MACs / (MACs per cycle)``;
    ``latency = cycles / clock``; ``E = cycles x energy per cycle``."""
    log = FigureLog(target)
    c_syn = log.get("cycles", "per_synop")
    c_upd = log.get("cycles", "per_neuron_update")
    c_spk = log.get("cycles", "per_spike", required=False)
    simd_given = log.get("limits", "macs_per_cycle_int16", required=False)
    simd = simd_given or 1.0
    per_syn = [(s.name, s.effective_acs * (c_syn or 0) + s.dense_macs / simd) for s in m.synapses]
    per_neu = [(n.name, n.neuron_updates * (c_upd or 0) + n.spikes * (c_spk or 0)) for n in m.neurons]
    cycles = sum(c for _, c in per_syn + per_neu)
    clock = log.get("timing", "clock_hz")
    e_cycle = log.get("energy", "energy_per_cycle_j")
    terms = tuple(Term("cycles", c, e_cycle, "energy.energy_per_cycle_j", name)
                  for name, c in per_syn + per_neu if c) if e_cycle is not None else ()
    step_s = cycles / m.steps / clock if clock else None
    return Estimate(
        target=target.name, model="mcu", steps=m.steps, terms=terms, figures=log.used,
        missing=tuple(log.missing), energy_known=e_cycle is not None,
        cycles_per_step=cycles / m.steps, step_latency_s=step_s,
        latency_note="cycles / clock on one core" if clock else
        f"unknown: {target.gap('timing', 'clock_hz') or 'no clock figure'}",
        assumptions=(
            "one core, zero-wait SRAM, no cache or flash wait states",
            "event-driven over sparse (CSR) weights: one synaptic add per nonzero weight of each "
            "input spike (NeuroBench Effective ACs); non-binary inputs computed densely",
            f"non-binary (MAC) inputs at {simd:g} MAC(s) per cycle"
            + ("" if simd_given else " (no SIMD figure: assumed 1)"),
        ),
    )

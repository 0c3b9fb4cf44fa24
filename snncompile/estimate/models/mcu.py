"""MCUs: an event-driven SNN in software, priced by cycles."""

from __future__ import annotations

from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import Estimate, FigureLog, Term
from snncompile.estimate.registry import register_model
from snncompile.mapping import Placement
from snncompile.targets import Target


@register_model("mcu")
def mcu(m: Metrics, target: Target, placement: Placement | None = None) -> Estimate:
    """Event-driven SNN in software on one core: ``cycles = c_synop x synaptic events +
    c_update x neuron updates (+ c_spike x spikes + c_step x steps) + MACs / (MACs per
    cycle)``;
    ``latency = cycles / clock``; ``E = cycles x energy per cycle``."""
    log = FigureLog(target)
    c_syn = log.get("cycles", "per_synop")
    c_upd = log.get("cycles", "per_neuron_update")
    c_spk = log.get("cycles", "per_spike", required=False)
    c_step = log.get("cycles", "per_step", required=False)
    simd_given = log.get("limits", "macs_per_cycle_int16", required=False)
    simd = simd_given or 1.0
    per_syn = [(s.name, s.effective_acs * (c_syn or 0) + s.dense_macs / simd) for s in m.synapses]
    per_neu = [(n.name, n.neuron_updates * (c_upd or 0) + n.spikes * (c_spk or 0)) for n in m.neurons]
    # the host segments of a compiled graph run on the MCU too, as multiply-accumulates
    per_neu += [(name, ops / simd) for name, ops in m.host_ops.items()]
    if c_step:
        per_neu.append(("(network)", c_step * m.steps))  # calls and loop set-up, once per step
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
            *(["host segments of the compiled graph run on the MCU too, at the same MAC rate"]
              if m.host_ops else []),
        ),
    )

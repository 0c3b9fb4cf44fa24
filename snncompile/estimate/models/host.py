"""A host processor: a whole network, or the host segments of a compiled graph, in
software, priced per multiply-accumulate."""

from __future__ import annotations

import dataclasses

from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import Estimate, FigureLog, Term
from snncompile.estimate.registry import register_model
from snncompile.mapping import Placement
from snncompile.targets import Target

#: multiply-accumulate equivalents of one neuron update in software
NEURON_UPDATE_OPS = 4


@register_model("host")
def host(m: Metrics, target: Target, placement: Placement | None = None) -> Estimate:
    """``ops = effective synaptic ops + 4 x neuron updates + host ops`` (multiply-
    accumulate equivalents, see :mod:`snncompile.estimate.host_ops`); ``E = E_mac x
    ops``; ``latency per step = cycles_per_mac x ops / clock / steps``."""
    log = FigureLog(target)
    per_op = log.get("energy", "mac_j")
    per_mac = log.get("cycles", "per_mac")
    clock = log.get("timing", "clock_hz")
    work = [(s.name, "synaptic ops", s.effective_acs + s.effective_macs) for s in m.synapses]
    work += [(n.name, "neuron updates", NEURON_UPDATE_OPS * n.neuron_updates) for n in m.neurons]
    work += [(name, "host ops", ops) for name, ops in m.host_ops.items()]
    terms = tuple(Term(what, ops, per_op, "energy.mac_j", name) for name, what, ops in work if ops) \
        if per_op is not None else ()
    ops = sum(o for *_, o in work)
    cycles = ops * per_mac / m.steps if per_mac is not None else None
    step_s = cycles / clock if cycles is not None and clock else None
    return Estimate(
        target=target.name, model="host", steps=m.steps, terms=terms, figures=log.used,
        missing=tuple(log.missing), energy_known=per_op is not None, cycles_per_step=cycles,
        step_latency_s=step_s, latency_is_bound=True,
        latency_note="lower bound: cycles per multiply-accumulate / clock, no memory stalls" if step_s
        else "unknown: no clock or cycle figure",
        assumptions=(f"software on one core of {target.name}: every multiply-accumulate equivalent at "
                     f"energy.mac_j; a neuron update is {NEURON_UPDATE_OPS} of them", *m.assumptions[-2:]),
    )


def host_segments(m: Metrics, target: Target) -> Estimate:
    """The host segments of a compiled graph alone on ``target`` (a host descriptor)."""
    only_host = dataclasses.replace(m, synapses=(), neurons=())
    return dataclasses.replace(host(only_host, target), model="host segments")


def chip_plus_host(chip: Estimate, host_part: Estimate) -> Estimate:
    """A chip's estimate of its part plus the host segments': energies add (a lower bound
    when either is), the step's latency is the chip's plus the host's (the host computes
    between chip hops), figures and assumptions of both."""
    latency = None if chip.step_latency_s is None or host_part.step_latency_s is None \
        else chip.step_latency_s + host_part.step_latency_s
    return Estimate(
        target=f"{chip.target} + {host_part.target}", model="chip + host", steps=chip.steps,
        terms=chip.terms + host_part.terms,
        figures={**{f"{chip.target}:{k}": f for k, f in chip.figures.items()},
                 **{f"{host_part.target}:{k}": f for k, f in host_part.figures.items()}},
        assumptions=("chip part and host segments run one after the other within each step",
                     *chip.assumptions, *host_part.assumptions),
        missing=chip.missing + host_part.missing,
        step_latency_s=latency, latency_is_bound=chip.latency_is_bound or host_part.latency_is_bound,
        latency_note=f"chip ({chip.latency_note}) + host ({host_part.latency_note})",
        energy_known=chip.energy_known and host_part.energy_known,
    )

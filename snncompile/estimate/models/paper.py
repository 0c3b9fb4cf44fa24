"""(a) The paper method (Spikformer and successors), on the ``paper-45nm`` figures."""

from __future__ import annotations

from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import Estimate, FigureLog, Term
from snncompile.estimate.registry import register_model
from snncompile.mapping import Placement
from snncompile.targets import Target


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

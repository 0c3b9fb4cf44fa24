"""(b) The memory-aware model of Lemaire et al. (ICONIP 2022, arXiv 2210.13107)."""

from __future__ import annotations

import math

from snncompile.estimate.metrics import Metrics
from snncompile.estimate.record import Estimate, FigureLog, Term
from snncompile.estimate.registry import register_model
from snncompile.mapping import Placement
from snncompile.targets import Target

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

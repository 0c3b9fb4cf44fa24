"""Random compiled graphs within Xylo Audio 2's limits (hypothesis strategy), for
differential testing of the emulator against SynSense's XyloSim.

Every graph drawn is one Xylo can run (see :mod:`snncompile.backends.xylosim.lower`): up
to 16 input channels; one to three hidden populations (recurrent among themselves, each
with its own synaptic and membrane time constant, threshold and bias: "several time
constants") and one or two output populations; int8 weights, one weight shift per synapse
group (0..8); subtract reset, up to 31 spikes per hidden neuron and step. Inputs are
binary spikes or spike counts up to 20 (XyloSim counts at most 15). A "large values"
regime (big weights and shifts, big biases) drives currents and membranes into
saturation, where the order of the events decides the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from snncompile.ir import Graph, Input, Output
from snncompile.ir.arithmetic import (
    Accumulate,
    DecayEncoding,
    InputTiming,
    MembraneUpdate,
    Overflow,
    StateRange,
)
from snncompile.ir.fixed import FixedLIF, FixedLinear

#: Xylo's neuron and synapse fields (xylosim 0.1.3; see targets/xylo-audio2.toml)
NEURON: dict[str, Any] = dict(state_bits=16, decay_bits=4, vth_bits=15, bias_bits=16, vth_shift=0, act_shift=0,
              decay_encoding=DecayEncoding.SHIFT, input_timing=InputTiming.BEFORE_DECAY,
              current_overflow=Overflow.SATURATE, membrane_update=MembraneUpdate.SATURATE_EACH,
              state_range=StateRange.TWOS_COMPLEMENT, reset="subtract", comparator=">=")
SYNAPSE: dict[str, Any] = dict(weight_bits=7, num_weight_bits=7, mixed_sign_extra_shift=0, accumulate=Accumulate.SATURATE,
               accum_bits=16)


@dataclass
class XyloCase:
    graph: Graph
    inputs: np.ndarray  # (batch, T, channels) int spike counts
    description: str


def _weights(rng: np.random.Generator, shape: tuple[int, int], density: float, large: bool) -> np.ndarray:
    lo, hi = (-128, 128) if large else (-40, 60)
    w = rng.integers(lo, hi, shape)
    return np.where(rng.random(shape) < density, w, 0).astype(np.int64)


def _population(rng: np.random.Generator, size: int, spikes: int, large: bool) -> FixedLIF:
    vth = int(rng.integers(1, 400)) if not large else int(rng.choice([int(rng.integers(1, 50)),
                                                                       int(rng.integers(1000, 32768))]))
    bias = 0
    if rng.random() < 0.4:
        bias = int(rng.integers(-32768, 32768)) if large else int(rng.integers(-30, 30))
    return FixedLIF(shape=(size,), du=int(rng.integers(0, 16)), dv=int(rng.integers(0, 16)), vth=vth,
                    bias_mant=np.array(bias), max_spikes=spikes, **NEURON)


@st.composite
def xylo_cases(draw, max_steps: int = 40, max_hidden: int = 24, batch: int = 2) -> XyloCase:
    """A random Xylo network and its input (see module docstring)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    steps = draw(st.integers(4, max_steps))
    large = draw(st.integers(0, 3)) == 0
    n_in = draw(st.integers(1, 16))
    hidden = [draw(st.integers(1, max_hidden)) for _ in range(draw(st.integers(1, 3)))]
    outs = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 2)))]
    counts = draw(st.booleans())
    density = draw(st.sampled_from([0.2, 0.5, 1.0]))
    shifts = {g: draw(st.integers(0, 8) if large else st.integers(0, 3)) for g in ("in", "rec", "out")}
    g = Graph(dt=1e-3)
    g.add("input", Input(shape=(n_in,)))
    hid = [g.add(f"h{i}", _population(rng, n, 31, large)) for i, n in enumerate(hidden)]
    out = [g.add(f"o{i}", _population(rng, n, 1, large)) for i, n in enumerate(outs)]
    payload: dict[str, Any] = dict(num_message_bits=4, max_payload=15) if counts else {}
    counted: dict[str, Any] = dict(num_message_bits=5, max_payload=31)
    links = rng.random((len(hid), len(hid))) < 0.6  # links[j, i]: recurrent synapse h_j -> h_i
    for i, (h, n) in enumerate(zip(hid, hidden)):  # the input synapse comes first into each population
        if i == 0 or not links[:, i].any() or rng.random() < 0.7:
            syn = g.add(f"in{i}", FixedLinear(weight=_weights(rng, (n, n_in), density, large),
                                             weight_exp=shifts["in"], **SYNAPSE, **payload))
            g.connect("input", syn)
            g.connect(syn, h)
    for j, src in enumerate(hid):  # then recurrent synapses by source population
        for i, dst in enumerate(hid):
            if links[j, i]:
                syn = g.add(f"rec{j}_{i}", FixedLinear(weight=_weights(rng, (hidden[i], hidden[j]), density, large),
                                                       weight_exp=shifts["rec"], **SYNAPSE, **counted))
                g.connect(src, syn)
                g.connect(syn, dst, delay=1)
    recurrent = int(links.sum())
    for k, dst in enumerate(out):
        for j, src in enumerate(hid):
            if j == 0 or rng.random() < 0.5:
                syn = g.add(f"out{j}_{k}", FixedLinear(weight=_weights(rng, (outs[k], hidden[j]), density, large),
                                                       weight_exp=shifts["out"], **SYNAPSE, **counted))
                g.connect(src, syn)
                g.connect(syn, dst, delay=1)
        g.add(f"output{k}", Output(shape=(outs[k],)))
        g.connect(dst, f"output{k}")
    rate = draw(st.sampled_from([0.1, 0.3, 0.6]))
    spikes = rng.random((batch, steps, n_in)) < rate
    inputs = spikes * (rng.integers(1, 21, spikes.shape) if counts else 1)
    desc = (f"T={steps} {'large ' if large else ''}{'counts ' if counts else ''}in={n_in} hidden={hidden} "
            f"out={outs} rec={recurrent} shifts={shifts} density={density}")
    return XyloCase(g, inputs.astype(np.int64), desc)

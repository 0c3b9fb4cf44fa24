"""Hop latency as edge delays: lags per node, re-aligned converging paths, recurrence.

The end-to-end check runs graphs whose quantization is exact (IF neurons, power-of-two
weights, thresholds on the integer grid) so the emulator must reproduce the float
reference's spikes exactly once shifted by the lags the pass states."""

import numpy as np

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.ir import IF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate


def skip_graph():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fa", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("fb", Linear(weight=[[1.0, 0.5]]))
    g.add("fc", Linear(weight=[[0.25, 0.5]]))  # skip: input straight into the output layer
    g.add("o", IF(shape=(1,), threshold=1.0))
    g.add("rec", Linear(weight=[[-0.5, 0.25], [0.25, -0.5]]))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fa", "h", "fb", "o", "y")
    g.chain("x", "fc", "o")
    g.connect("h", "rec")
    g.connect("rec", "h", delay=1)
    return g


def test_lags_and_delays(loihi2):
    q = quantize(skip_graph(), loihi2)
    assert dict(q.lags) == {"x": 0, "fa": 0, "h": 1, "fb": 1, "fc": 0, "o": 2, "rec": 1, "y": 2}
    delays = {(e.src, e.dst): e.delay for e in q.fixed.edges}
    assert delays[("fa", "h")] == 1 and delays[("fb", "o")] == 1
    assert delays[("fc", "o")] == 2  # the one-stage skip path waits one extra step for the two-stage path
    assert delays[("rec", "h")] == 1  # recurrence within a layer keeps its float delay


def test_emulator_equals_reference_after_the_stated_shift(loihi2):
    g = skip_graph()
    # S = 2^14: every weight (multiples of 1/4) and threshold lands exactly on the integer grid
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    assert q.fixed.nodes["fa"].weight.tolist() == [[128, 64], [64, 128]] and q.fixed.nodes["fa"].weight_exp == 1
    x = (np.random.default_rng(3).random((4, 40, 2)) < 0.4).astype(float)
    ref = simulate(g, x, record=["h", "o"])
    steps = 40 + max(q.lags.values())
    emu = emulate(q.fixed, x, steps=steps, record=["h", "o"])
    for name in ("h", "o"):
        assert ref.recorded[name].sum() > 0
        assert np.array_equal(aligned(emu.recorded[name], q.lags[name], 40), ref.recorded[name]), name


def test_an_input_latency_of_zero_delivers_input_spikes_within_the_step(loihi2):
    import dataclasses

    xylo_like = dataclasses.replace(loihi2, input_latency=0)  # Xylo: input spikes arrive within the step
    q = quantize(skip_graph(), xylo_like)
    assert dict(q.lags) == {"x": 0, "fa": 0, "h": 0, "fb": 0, "fc": 0, "o": 1, "rec": 0, "y": 1}
    delays = {(e.src, e.dst): e.delay for e in q.fixed.edges}
    assert delays[("fa", "h")] == 0 and delays[("fb", "o")] == 1 and delays[("fc", "o")] == 1
    assert delays[("rec", "h")] == 1

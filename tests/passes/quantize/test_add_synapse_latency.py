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


def host_gated_loop():
    """h = IF(gain * fa(x)) with gain = 1 + h[t-1] computed on the host (BackEISNN's
    self-feedback in small): a chip neuron inside a one-step loop through the host."""
    from snncompile.ir import Add, Constant
    from snncompile.ir.host import Mul

    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fa", Linear(weight=[[1.0, 0.5], [0.5, 0.25]]))
    g.add("one", Constant(value=np.ones(2)))
    g.add("gain", Add())
    g.add("gate", Mul())
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fa")
    g.connect("h", "gain", delay=1)
    g.connect("one", "gain")
    g.connect("gain", "gate", port="a")
    g.connect("fa", "gate", port="b")
    g.chain("gate", "h", "y")
    return g


def test_a_host_loop_spends_its_delay_on_the_chip_synapse(loihi2):
    from snncompile.passes.partition import Capabilities
    from snncompile.passes.quantize.add_synapse_latency import timing_problems
    from snncompile.targets import load_target

    g = host_gated_loop()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14), capabilities=Capabilities.of(load_target("loihi2")))
    assert q.fixed.nodes["h"].kind == "FixedLIF" and q.fixed.nodes["gate"].kind == "Mul"
    delays = {(e.src, e.dst): e.delay for e in q.fixed.edges}
    loop = [("h", "gain"), ("gain", "gate"), ("gate", "h.entry.q"), ("h.entry.q", "h.entry"), ("h.entry", "h")]
    assert [delays[e] for e in loop] == [0, 0, 0, 0, 1]  # the loop's one step is the entry synapse's latency
    assert q.lags["h"] == 1 and q.lags["gain"] == 0 and max(q.lags.values()) == 1  # no drift around the loop
    assert timing_problems(q.fixed, loihi2.synapse_latency) == []
    x = (np.random.default_rng(4).random((4, 40, 2)) < 0.5).astype(float)
    ref = simulate(g, x, record=["h"])
    emu = emulate(q.fixed, x, steps=41, record=["h"])
    assert 0.1 < ref.recorded["h"].mean() < 0.9
    assert np.array_equal(aligned(emu.recorded["h"], q.lags["h"], 40), ref.recorded["h"])

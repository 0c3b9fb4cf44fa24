"""The emulator's non-Lava arithmetic (snncompile.ir.arithmetic) against transcriptions
of FixedLIF's equations; the Xylo arithmetic as a whole is tested against SynSense's
XyloSim in tests/backends/xylosim."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from snncompile.emulator import emulate
from snncompile.emulator import kernels as K
from snncompile.emulator.run import fusable
from snncompile.ir import Graph, Input, Output
from snncompile.ir.fixed import FixedLIF, FixedLinear

LO, HI = -32768, 32767


@settings(max_examples=200, deadline=None)
@given(st.integers(LO, HI), st.lists(st.lists(st.integers(-70000, 70000), max_size=6), min_size=1, max_size=3))
def test_composed_saturating_maps_equal_adding_one_event_at_a_time(x0, edges):
    expected = x0
    for events in edges:
        for e in events:
            expected = min(max(expected + e, LO), HI)
    s, lo, hi = np.zeros((1, 1), np.int64), np.full((1, 1), LO), np.full((1, 1), HI)
    for events in edges:  # one map per edge, composed in edge order
        es, el, eh = np.zeros((1, 1), np.int64), np.full((1, 1), LO), np.full((1, 1), HI)
        for e in events:
            es += e
            el[:] = np.clip(el + e, LO, HI)
            eh[:] = np.clip(eh + e, LO, HI)
        K.compose_maps(s, lo, hi, es, el, eh)
    assert min(max(x0 + int(s[0, 0]), int(lo[0, 0])), int(hi[0, 0])) == expected


def _iaf_graph(max_spikes, reset="subtract", max_payload=0):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", FixedLinear(weight=[[3, -1], [5, 2]], weight_bits=7, num_weight_bits=7, mixed_sign_extra_shift=0,
                            num_message_bits=4 if max_payload else 0, max_payload=max_payload))
    g.add("n", FixedLIF(shape=(2,), vth=4, vth_shift=0, act_shift=0, state_bits=16, decay_encoding="none",
                        comparator=">=", reset=reset, max_spikes=max_spikes, state_range="twos_complement"))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "y")
    return g


def _iaf_reference(x, w, vth, max_spikes, max_payload):
    """v += W min(x, max_payload); while v >= vth and fewer than max_spikes: spike, v -= vth."""
    v = np.zeros(w.shape[0], np.int64)
    spikes, volts = [], []
    for xt in x:
        v = np.clip(v + w @ (np.minimum(xt, max_payload) if max_payload else (xt != 0)), LO, HI)
        s = np.zeros_like(v)
        while True:
            fire = (v >= vth) & (s < max_spikes)
            if not fire.any():
                break
            s += fire
            v -= vth * fire
        spikes.append(s)
        volts.append(v.copy())
    return np.array(spikes), np.array(volts)


def test_integrate_and_fire_with_several_spikes_per_step_and_clipped_counts():
    x = np.random.default_rng(2).integers(0, 20, (1, 25, 2))
    g = _iaf_graph(max_spikes=5, max_payload=15)
    assert not fusable(g.nodes["n"]) and not fusable(g.nodes["fc"])  # runs step by step
    run = emulate(g, x, membranes="n")
    spikes, volts = _iaf_reference(x[0], np.array([[3, -1], [5, 2]]), 4, 5, 15)
    assert run.output()[0].max() == 5
    np.testing.assert_array_equal(run.output()[0], spikes)
    np.testing.assert_array_equal(run.membranes["n"][0], volts)


def test_a_lava_graph_gives_the_same_integers_step_by_step_as_in_the_compiled_loop():
    g = _iaf_graph(max_spikes=1)
    lava_like = g.copy()
    lava_like.nodes["n"] = FixedLIF(shape=(2,), du=4095, dv=300, vth=1)  # Lava's arithmetic
    lava_like.nodes["fc"] = FixedLinear(weight=[[30, -10], [50, 20]])
    assert all(fusable(n) for n in lava_like.nodes.values())
    x = (np.random.default_rng(3).random((2, 30, 2)) < 0.5).astype(np.int64)
    kw = dict(record="neurons", membranes="neurons", currents="neurons")
    fused, stepwise = emulate(lava_like, x, **kw), emulate(lava_like, x, stepwise=True, **kw)
    for kind in ("recorded", "membranes", "currents"):
        for name, values in getattr(fused, kind).items():
            np.testing.assert_array_equal(values, getattr(stepwise, kind)[name], err_msg=f"{kind} {name}")

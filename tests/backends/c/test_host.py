"""The generated C, compiled with this machine's C compiler (backend ``c``), computes
the emulator's integers: every output, spike, graded payload, ``u`` and ``v``."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.ir import LIF, Constant, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedLIF, FixedLinear
from snncompile.ir.semantics import Reset
from snncompile.simulate.backend import get_backend
from snncompile.testing.c_graphs import c_cases
from snncompile.testing.fixed_graphs import compare_runs

RECORD = dict(record="all", membranes="neurons", currents="neurons")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(c_cases(max_steps=16))
def test_generated_c_equals_the_emulator_on_random_graphs(case):
    c = get_backend("c").run(case.graph, case.inputs, **RECORD)
    assert compare_runs(emulate(case.graph, case.inputs, **RECORD), c, case.graph) == [], case.description


def odd_graph() -> Graph:
    """What random chains do not draw: a synapse read by two populations, spikes straight
    into a population, an Output summing two sources, a Constant into a neuron through a
    delay, a graded synapse (int64 accumulator) from the input, a Flatten alias."""
    g = Graph()
    g.add("x", Input(shape=(5,)))
    g.add("w", FixedLinear(weight=np.arange(30).reshape(6, 5) - 12, weight_exp=-1))
    g.add("g", FixedLinear(weight=np.arange(30).reshape(6, 5) % 7 - 3, num_message_bits=24))
    g.add("a", FixedLIF(shape=(6,), du=200, dv=300, vth=30, reset=Reset.SUBTRACT))
    g.add("b", FixedLIF(shape=(6,), du=4095, dv=0, vth=5, bias_mant=np.arange(6) - 2, bias_exp=np.array(2)))
    g.add("c", FixedLIF(shape=(6,), du=-1, dv=100, vth=1, graded=True))
    g.add("k", Constant(value=np.array([3, -2, 0, 1, 5, 7])))
    g.add("y", Output(shape=(6,)))
    g.add("z", Output(shape=(6,)))
    for src, dst, d in [("x", "w", 0), ("x", "g", 0), ("w", "a", 0), ("w", "b", 1), ("g", "b", 0), ("a", "c", 1),
                        ("k", "c", 2), ("a", "y", 0), ("b", "y", 2), ("c", "z", 0)]:
        g.connect(src, dst, d)
    return g.validate()


def test_generated_c_equals_the_emulator_on_shared_and_summed_values():
    g = odd_graph()
    x = np.random.default_rng(0).integers(-3, 4, (3, 12, 5))
    c = get_backend("c").run(g, x, steps=15, **RECORD)
    e = emulate(g, x, steps=15, **RECORD)
    assert compare_runs(e, c, g) == []
    assert np.any(e.outputs["z"] > 1)  # graded payloads got through
    assert np.any(e.recorded["b"])


def test_per_delay_partial_sums_are_floored_on_their_own():
    """weight_exp -2 and per-synapse delays: input 0 (delay 1) fires at step 0, input 1
    (delay 0) at step 1; both arrive at step 1, each 2 >> 2 = 0 on its own (Lava's
    DelayDense, the emulator), not (2 + 2) >> 2 = 1 as one sum. Found by the random
    graphs test (a sparse delayed FixedLinear behind a Flatten)."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("w", FixedLinear(weight=np.array([[2, 2]]), weight_exp=-2, delays=np.array([[1, 0]])))
    g.add("n", FixedLIF(shape=(1,), du=4095, dv=4095, vth=1000, reset=Reset.ZERO))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "w", "n", "y")
    x = np.array([[[1, 0], [0, 1], [0, 0], [1, 1]]])
    record = dict(record="all", currents="neurons")
    e = emulate(g.validate(), x, steps=6, **record)
    assert e.recorded["w"][0, :, 0].tolist() == [0] * 6  # one sum would give 1 at step 1
    c = get_backend("c").run(g, x, steps=6, **record)
    assert compare_runs(e, c, g) == []


def test_the_c_backend_names_every_node_it_cannot_run():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.ones((2, 3))))
    g.add("lif", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    with pytest.raises(UnsupportedError, match=r"2 node\(s\): 'fc' \(Linear\): a float node: compile the model "
                                              r"for an MCU first.*'lif' \(LIF\)"):
        get_backend("c").run(g, np.zeros((1, 4, 3)))


def test_a_refractory_neuron_waits_in_c_as_in_the_emulator():
    """Period 3, graded and binary, subtract reset: after each spike ``v`` holds and
    nothing is sent for 3 steps while ``u`` keeps integrating (FixedLIF's docstring)."""
    from snncompile.ir.fixed import FixedGraphBuilder

    for graded in (False, True):
        b = FixedGraphBuilder((2,))
        b.linear(np.array([[40, 0], [25, 30]]))
        b.lif(vth=60, du=1000, dv=200, refractory=3, reset=Reset.SUBTRACT, graded=graded)
        b.output()
        x = np.ones((2, 14, 2), np.int64)
        e, c = emulate(b.graph, x, **RECORD), get_backend("c").run(b.graph, x, **RECORD)
        assert compare_runs(e, c, b.graph) == []
        fired = np.flatnonzero(e.recorded["lif2"][0, :, 0])
        assert len(fired) >= 2 and np.all(np.diff(fired) >= 4), fired  # 3 silent steps after each spike


def test_ternary_host_values_reach_a_c_synapse_as_the_emulator_sends_them():
    from snncompile.compile import build_artifact
    from snncompile.testing.mixed_graphs import float_ternary

    x = (np.random.default_rng(3).random((4, 20, 5)) < 0.5).astype(np.int8)
    fixed = build_artifact(float_ternary(), "cortex-m4", calibrate=x).fixed
    assert fixed.nodes["fc.q"].kind == "Quantize" and fixed.nodes["fc"].num_message_bits == 24
    e, c = emulate(fixed, x, record=["fc.q", "out"]), get_backend("c").run(fixed, x, record=["fc.q", "out"])
    assert np.array_equal(e.output(), c.output()) and np.array_equal(e.recorded["out"], c.recorded["out"])
    assert (e.recorded["fc.q"] < 0).any() and e.recorded["out"].any()

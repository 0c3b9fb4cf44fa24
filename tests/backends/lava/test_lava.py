import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.ir.fixed import FixedGraphBuilder
from snncompile.simulate import get_backend
from snncompile.testing.fixed_graphs import compare_runs, fixed_cases


def test_nir_paper_lif_reproduces_lava_cpu_trace(lava_cpu_trace):
    b = FixedGraphBuilder((1,), dt=1e-4)
    b.linear([[10]])
    lif = b.lif(du=4095, dv=163, vth=25)
    b.output()
    r = get_backend("lava")(b.graph, lava_cpu_trace[None, :, :1], membranes=[lif])
    assert np.array_equal(r.membranes[lif][0, :, 0], lava_cpu_trace[:, 1])
    assert np.array_equal(r.output()[0, :, 0], lava_cpu_trace[:, 2])


def test_every_unsupported_node_is_listed_at_once():
    b = FixedGraphBuilder((3,))
    b.linear(np.ones((2, 3), int), accum_bits=16)
    b.lif(reset="subtract", comparator=">=", graded=True, state_bits=20)
    b.recurrent(np.ones((2, 2), int), delay=70)
    b.output()
    with pytest.raises(UnsupportedError) as exc:
        get_backend("lava")(b.graph, np.zeros((1, 4, 3)))
    msg = str(exc.value)
    for part in ("accum_bits=16", "reset 'subtract'", "comparator '>='", "graded spikes", "state_bits=20"):
        assert part in msg
    c = FixedGraphBuilder((3,))
    c.linear(np.ones((2, 3), int))
    c.lif()
    c.recurrent(np.ones((2, 2), int), delay=70)
    c.output()
    with pytest.raises(UnsupportedError, match="total delay 70 > 63"):
        get_backend("lava")(c.graph, np.zeros((1, 4, 3)))


def test_conv_pool_flatten_dense_against_emulator():
    rng = np.random.default_rng(3)
    b = FixedGraphBuilder((2, 6, 5))
    b.conv2d(rng.integers(-60, 90, (3, 2, 3, 3)) * 2, padding=1, stride=(1, 2))
    b.lif(du=1000, dv=500, vth=30)
    b.sum_pool(2)
    b.lif(du=4095, dv=0, vth=1)
    b.flatten()
    b.linear(rng.integers(-200, 250, (4, 9)), weight_exp=-1)
    b.lif(du=0, dv=100, vth=20)
    b.output()
    x = (rng.random((1, 15, 2, 6, 5)) < 0.4).astype(np.int64)
    kw = dict(record="neurons", membranes="neurons", currents="neurons")
    emu = emulate(b.graph, x, **kw)
    lava = get_backend("lava")(b.graph, x, **kw)
    assert emu.output().sum() > 0
    assert compare_runs(emu, lava, b.graph) == []


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(fixed_cases(max_steps=12, max_layers=2, max_width=5))
def test_differential_emulator_equals_lava_fixed_pt(case):
    kw = dict(record="neurons", membranes="neurons", currents="neurons")
    emu = emulate(case.graph, case.inputs, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's SparseEfficiencyWarning inside Lava's Sparse
        lava = get_backend("lava")(case.graph, case.inputs, sparse=case.sparse, **kw)
    assert compare_runs(emu, lava, case.graph) == [], case.description


def test_float_graph_on_floating_pt_matches_reference_shifted_by_latency():
    from snncompile.backends.lava import LATENCY
    from snncompile.ir import LIF, CubaLIF, Graph, Input, Linear, Output
    from snncompile.simulate import simulate

    rng = np.random.default_rng(5)
    g = Graph()
    g.add("input", Input(shape=(3,)))
    g.add("fc1", Linear(weight=rng.normal(0.6, 0.5, (5, 3))))
    g.add("lif", LIF(shape=(5,), decay=0.9, gain=rng.uniform(0.5, 1.5, 5), threshold=1.0))
    g.add("fc2", Linear(weight=rng.normal(0.5, 0.6, (4, 5))))
    g.add("cuba", CubaLIF(shape=(4,), syn_decay=0.8, decay=0.95, gain=1.2, syn_gain=0.7, threshold=0.8))
    g.add("rec", Linear(weight=rng.normal(0, 0.4, (4, 4))))
    g.add("output", Output(shape=(4,)))
    g.chain("input", "fc1", "lif", "fc2", "cuba", "output")
    g.connect("cuba", "rec")
    g.connect("rec", "cuba", delay=1)
    x = (rng.random((1, 40, 3)) < 0.5).astype(float)
    ref = simulate(g, x, record="neurons", membranes="neurons")
    lava = get_backend("lava")(g, x, record="neurons", membranes="neurons")
    assert lava.backend == "lava-float" and lava.latency == LATENCY == 1 and ref.recorded["cuba"].sum() > 0
    for name, lag in (("lif", LATENCY), ("cuba", 2 * LATENCY)):
        assert np.array_equal(lava.recorded[name][:, lag:], ref.recorded[name][:, :-lag]), name
        assert np.allclose(lava.membranes[name][:, lag:], ref.membranes[name][:, :-lag], atol=1e-9), name
    with pytest.raises(UnsupportedError, match="per-neuron threshold"):
        bad = g.copy()
        bad.nodes["lif"] = bad.nodes["lif"].replace(threshold=np.linspace(1, 2, 5))
        get_backend("lava")(bad, x)


def _lava_equals_emulator(graph, x, names):
    emu = emulate(graph, x, record=names, membranes=names)
    lava = get_backend("lava")(graph, x, record=names, membranes=names)
    for n in names:
        assert emu.recorded[n].sum() > 0, f"{n} never fires"
        np.testing.assert_array_equal(lava.recorded[n], emu.recorded[n], err_msg=n)
        np.testing.assert_array_equal(lava.membranes[n], emu.membranes[n], err_msg=n)


def test_linear_over_the_last_axis_of_a_two_axis_population():
    """(C, N) tokens -> FixedLinear over N (block-diagonal over C) -> (C, N') LIF."""
    from snncompile.ir import Graph, Input, Output
    from snncompile.ir.fixed import FixedLIF, FixedLinear

    rng = np.random.default_rng(3)
    g = Graph()
    g.add("x", Input(shape=(3, 5)))
    g.add("a.w", FixedLinear(weight=rng.integers(0, 120, (4, 5))))
    g.add("a", FixedLIF(shape=(3, 4), du=4095, dv=500, vth=60))
    g.add("b.w", FixedLinear(weight=rng.integers(-80, 127, (2, 4))))
    g.add("b", FixedLIF(shape=(3, 2), du=3000, dv=200, vth=40))
    g.add("y", Output(shape=(3, 2)))
    g.chain("x", "a.w")
    g.connect("a.w", "a", 1)
    g.chain("a", "b.w")
    g.connect("b.w", "b", 1)
    g.chain("b", "y")
    x = (rng.random((2, 30, 3, 5)) < 0.5).astype(np.int64)
    _lava_equals_emulator(g, x, ["a", "b"])


def test_one_dimensional_convolution_over_tokens():
    from snncompile.ir import Graph, Input, Output
    from snncompile.ir.fixed import FixedConv1d, FixedLIF

    rng = np.random.default_rng(4)
    g = Graph()
    g.add("x", Input(shape=(2, 8)))
    g.add("c.w", FixedConv1d(weight=rng.integers(0, 100, (3, 2, 3)), padding=1))
    g.add("c", FixedLIF(shape=(3, 8), du=4095, dv=600, vth=50))
    g.add("y", Output(shape=(3, 8)))
    g.chain("x", "c.w")
    g.connect("c.w", "c", 1)
    g.chain("c", "y")
    x = (rng.random((2, 25, 2, 8)) < 0.5).astype(np.int64)
    _lava_equals_emulator(g, x, ["c"])


def test_refractory_population_equals_the_emulator_bit_for_bit():
    """Lava's LIFRefractory with snncompile's fixed_pt model for it (Lava's bit-accurate
    LIF plus the refractory rule of Lava's float model) against the emulator."""
    rng = np.random.default_rng(0)
    b = FixedGraphBuilder((5,))
    b.linear(rng.integers(-50, 200, (6, 5)))
    lif = b.lif(du=2048, dv=300, vth=100, refractory=3)
    b.recurrent(rng.integers(-100, 100, (6, 6)), delay=1, target=lif)
    b.linear(rng.integers(-50, 200, (4, 6)))
    out = b.lif(du=4095, dv=0, vth=50, refractory=1, bias_mant=3, bias_exp=2)
    b.output()
    x = (rng.random((2, 40, 5)) < 0.4).astype(np.int64)
    kw = dict(record=[lif, out], membranes="neurons", currents="neurons")
    emu = emulate(b.graph, x, **kw)
    lava = get_backend("lava")(b.graph, x, **kw)
    assert compare_runs(emu, lava, b.graph) == []
    spikes = emu.recorded[lif][0, :, :]
    gaps = np.concatenate([np.diff(np.flatnonzero(spikes[:, j])) for j in range(6)])
    assert gaps.min() == 4 and emu.recorded[out].sum() > 20  # the period binds


def test_float_refractory_graph_on_floating_pt_matches_reference():
    from snncompile.backends.lava import LATENCY
    from snncompile.ir import LIF, CubaLIF, Graph, Input, Linear, Output
    from snncompile.simulate import simulate

    rng = np.random.default_rng(6)
    g = Graph()
    g.add("input", Input(shape=(3,)))
    g.add("fc1", Linear(weight=rng.normal(0.8, 0.5, (5, 3))))
    g.add("lif", LIF(shape=(5,), decay=0.9, threshold=0.7, refractory=2))
    g.add("fc2", Linear(weight=rng.normal(0.6, 0.6, (4, 5))))
    g.add("cuba", CubaLIF(shape=(4,), syn_decay=0.8, decay=0.95, threshold=0.8, refractory=3))
    g.add("output", Output(shape=(4,)))
    g.chain("input", "fc1", "lif", "fc2", "cuba", "output")
    x = (rng.random((1, 60, 3)) < 0.5).astype(float)
    ref = simulate(g, x, record="neurons", membranes="neurons")
    lava = get_backend("lava")(g, x, record="neurons", membranes="neurons")
    assert ref.recorded["lif"].sum() > 10 and ref.recorded["cuba"].sum() > 5
    for name, lag in (("lif", LATENCY), ("cuba", 2 * LATENCY)):
        assert np.array_equal(lava.recorded[name][:, lag:], ref.recorded[name][:, :-lag]), name
        assert np.allclose(lava.membranes[name][:, lag:], ref.membranes[name][:, :-lag], atol=1e-9), name

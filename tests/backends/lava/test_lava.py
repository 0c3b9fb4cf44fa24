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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_long_conv_recurrent_delayed_network_equals_the_emulator(seed):
    """Hundreds of steps through convolution, per-synapse and axonal delays, a recurrent
    layer and graded inputs' cousins (biases, decays of every kind): every neuron's spikes,
    u and v, every step, on Lava's fixed_pt and on the emulator; every layer fires
    sometimes, never always (else reset and threshold would go unchecked)."""
    rng = np.random.default_rng(seed)
    b = FixedGraphBuilder((2, 6, 6))
    b.conv2d(rng.integers(-40, 100, (3, 2, 3, 3)) * 2, padding=1)
    b.lif(du=int(rng.integers(0, 4096)), dv=int(rng.integers(100, 1500)), vth=int(rng.integers(40, 90)))
    b.flatten()
    b.linear(rng.integers(-60, 120, (12, 108)), delay=int(rng.integers(0, 5)), delays=rng.integers(0, 9, (12, 108)),
             weight_exp=-2)
    b.lif(du=int(rng.integers(2000, 4096)), dv=int(rng.integers(0, 800)), vth=int(rng.integers(30, 80)),
          bias_mant=int(rng.integers(-8, 8)), bias_exp=1)
    b.recurrent(rng.integers(-120, 40, (12, 12)), delay=int(rng.integers(1, 6)))
    b.linear(rng.integers(-50, 150, (5, 12)))
    b.lif(du=4095, dv=int(rng.integers(0, 4096)), vth=int(rng.integers(5, 40)))
    b.output()
    x = (rng.random((1, 300, 2, 6, 6)) < 0.15).astype(np.int64)
    kw = dict(record="neurons", membranes="neurons", currents="neurons")
    emu = emulate(b.graph, x, **kw)
    lava = get_backend("lava")(b.graph, x, **kw)
    assert compare_runs(emu, lava, b.graph) == []
    for name, spikes in emu.recorded.items():
        assert 0 < spikes.sum() < spikes.size, (name, int(spikes.sum()))


def test_float_per_synapse_delays_on_floating_pt_delay_dense():
    """A float Linear's per-synapse delays become DelayDense delays on floating_pt."""
    from snncompile.backends.lava import LATENCY
    from snncompile.ir import LIF, Graph, Input, Linear, Output
    from snncompile.simulate import simulate

    rng = np.random.default_rng(6)
    g = Graph()
    g.add("input", Input(shape=(4,)))
    g.add("fc", Linear(weight=rng.normal(0.7, 0.5, (6, 4)), delays=rng.integers(0, 7, (6, 4))))
    g.add("lif", LIF(shape=(6,), decay=0.8, threshold=1.0))
    g.add("output", Output(shape=(6,)))
    g.chain("input", "fc", "lif", "output")
    x = (rng.random((1, 30, 4)) < 0.5).astype(float)
    ref = simulate(g, x, record=["lif"], membranes=["lif"])
    lava = get_backend("lava")(g, x, record=["lif"], membranes=["lif"])
    assert ref.recorded["lif"].sum() > 0
    assert np.array_equal(lava.recorded["lif"][:, LATENCY:], ref.recorded["lif"][:, :-LATENCY])
    assert np.allclose(lava.membranes["lif"][:, LATENCY:], ref.membranes["lif"][:, :-LATENCY], atol=1e-9)


@pytest.mark.parametrize("sparse", [False, True])
def test_delay_dense_floors_each_delays_sum_as_the_emulator_does(sparse):
    """Per-synapse delays (0..62) with a negative weight exponent: Lava's DelayDense and
    DelaySparse shift each delay's partial sum on its own; the emulator agrees bit for bit
    (membranes included)."""
    from snncompile.backends.lava.run import run_lava

    rng = np.random.default_rng(8)
    b = FixedGraphBuilder((10,))
    w = rng.integers(-60, 90, (8, 10))
    b.linear(w * (rng.random(w.shape) < (0.2 if sparse else 1.0)), weight_exp=-3, delays=rng.integers(0, 63, (8, 10)))
    lif = b.lif(du=300, dv=200, vth=40)
    b.output()
    x = (rng.random((1, 90, 10)) < 0.5).astype(np.int64)
    emu = emulate(b.graph, x, record=[lif], membranes=[lif])
    lava = run_lava(b.graph, x, record=[lif], membranes=[lif], sparse=sparse)
    assert emu.recorded[lif].sum() > 0
    np.testing.assert_array_equal(lava.recorded[lif], emu.recorded[lif])
    np.testing.assert_array_equal(lava.membranes[lif], emu.membranes[lif])


def test_other_arithmetic_is_refused_by_name():
    from snncompile.backends.lava.lower import plan_lowering

    b = FixedGraphBuilder((3,))
    b.linear(np.ones((2, 3), int), accumulate="saturate", accum_bits=16, mixed_sign_extra_shift=0, max_payload=15)
    b.lif(decay_encoding="shift", decay_bits=4, input_timing="before_decay", current_overflow="saturate", act_shift=0,
          membrane_update="saturate_each", state_range="twos_complement", reset="subtract", max_spikes=31)
    b.output()
    with pytest.raises(UnsupportedError) as exc:
        plan_lowering(b.graph)
    msg = str(exc.value)
    for part in ("decay_encoding='shift'", "input_timing='before_decay'", "current_overflow='saturate'",
                 "membrane_update='saturate_each'", "state_range='twos_complement'", "max_spikes=31",
                 "accumulate='saturate'", "mixed_sign_extra_shift=0", "max_payload=15"):
        assert part in msg, part


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

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedGraphBuilder, FixedLIF, FixedSynapse, path_latency
from snncompile.simulate import get_backend, simulate
from snncompile.testing.fixed_graphs import compare_runs, fixed_cases


def nir_paper_lif() -> tuple[Graph, str]:
    b = FixedGraphBuilder((1,), dt=1e-4)
    b.linear([[10]])
    lif = b.lif(du=4095, dv=163, vth=25)
    b.output()
    return b.graph, lif


def test_nir_paper_lif_matches_lava_cpu_trace_exactly(lava_cpu_trace):
    graph, lif = nir_paper_lif()
    result = get_backend("emulator")(graph, lava_cpu_trace[None, :, :1], membranes=[lif])
    spikes = result.output()[0, :, 0]
    v = result.membranes[lif][0, :, 0]
    assert np.array_equal(v, lava_cpu_trace[:, 1])
    assert np.array_equal(spikes, lava_cpu_trace[:, 2])
    assert spikes.sum() == 4


def _one_neuron(weight=1, num_message_bits=0, **lif):
    b = FixedGraphBuilder((1,))
    b.linear([[weight]], num_message_bits=num_message_bits)
    name = b.lif(**lif)
    b.output()
    return b.graph, name


def _drive(graph, name, values):
    x = np.asarray(values, np.int64).reshape(1, -1, 1)
    return emulate(graph, x, membranes=[name], currents=[name])


def test_lif_equations_by_hand():
    # du=2048: u keeps (4096-2049)/4096 of itself, rounded toward zero; dv=1024
    graph, n = _one_neuron(weight=5, du=2048, dv=1024, vth=100, bias_mant=3, bias_exp=2)
    r = _drive(graph, n, [7, 0, 0, 0])  # a binary synapse counts any nonzero payload as 1
    u, v = r.currents[n][0, :, 0], r.membranes[n][0, :, 0]
    # input reaches u one step later (synapse latency); 5 << 6 = 320
    assert u[:3].tolist() == [0, 320, 320 * 2047 // 4096]
    bias = 3 << 2
    assert v[0] == bias and v[1] == (bias * 3072) // 4096 + 320 + bias


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("stepwise", [False, True], ids=["compiled-loop", "stepwise"])
def test_negative_states_decay_toward_zero(batch, stepwise):
    """Loihi rounds a decayed negative state toward zero, not down (Lava's fixed-point
    LIF decays the magnitude and restores the sign): -320 * 2047 / 4096 = -159.92 is
    -159 (floor would give -160). Run through the emulator (batch 1 and batched), values
    derived by hand, so a change of rounding in either kernel (the compiled loop's
    branch-free one, the step-wise one) fails here and not only in the Lava tests."""
    graph, n = _one_neuron(weight=-5, du=2048, dv=1024, vth=100)
    x = np.tile(np.asarray([1, 0, 0, 0, 0], np.int64).reshape(1, -1, 1), (batch, 1, 1))
    r = emulate(graph, x, membranes=[n], currents=[n], stepwise=stepwise)
    u, v = r.currents[n][:, :, 0], r.membranes[n][:, :, 0]
    # u: 0, -320, trunc(-320 * 2047 / 4096) = -159, trunc(-159 * 2047 / 4096) = -79, -39
    assert u.tolist() == [[0, -320, -159, -79, -39]] * batch
    # v: v_t = trunc(v_{t-1} * 3072 / 4096) + u_t: 0, -320, -240 - 159 = -399,
    # trunc(-299.25) - 79 = -378, trunc(-283.5) - 39 = -322
    assert v.tolist() == [[0, -320, -399, -378, -322]] * batch


def test_subtract_reset_ge_comparator_and_graded_payload():
    graph, n = _one_neuron(num_message_bits=8, du=4095, dv=0, vth=2, reset="subtract", comparator=">=",
                           graded=True)
    # each input of 2 adds 2 << 6 = 128 = vth << 6: fires with >=, keeps the overshoot
    r = emulate(graph, np.array([2, 3, 0, 0], np.int64).reshape(1, -1, 1), membranes=[n], record=[n])
    v, s = r.membranes[n][0, :, 0], r.recorded[n][0, :, 0]
    assert v.tolist() == [0, 0, 64, 64]
    assert s.tolist() == [0, 128 >> 6, 192 >> 6, 0]


def test_u_wraps_once_and_v_saturates():
    b = FixedGraphBuilder((1,))
    b.linear([[-255]], weight_exp=7)  # -255 << 7 << 6 per step, u keeps all but 1/4096
    n = b.lif(du=0, dv=0, vth=(1 << 17) - 1)
    b.output()
    r = emulate(b.graph, np.ones((1, 8, 1), np.int64), membranes=[n], currents=[n])
    u, v = r.currents[n][0, :, 0], r.membranes[n][0, :, 0]
    assert u.max() <= 1 << 23 and u.min() > -(1 << 23)
    assert np.any(np.diff(u) > 0)  # wrapped around to positive
    assert v.min() == -((1 << 23) - 1)  # saturated


def test_edge_and_synapse_delays_add_up():
    b = FixedGraphBuilder((2,))
    b.linear([[1, 1]], delay=2, delays=[[0, 5]])
    b.lif(du=4095, dv=4095, vth=0)
    b.output()
    x = np.zeros((1, 12, 2), np.int64)
    x[0, 0, 0] = 1
    x[0, 1, 1] = 1
    s = emulate(b.graph, x).output()[0, :, 0]
    assert np.nonzero(s)[0].tolist() == [0 + 1 + 2, 1 + 1 + 2 + 5]


@pytest.mark.parametrize("stepwise", [False, True])
def test_a_negative_exponent_floors_each_delays_sum_on_its_own(stepwise):
    """Lava's DelayDense shifts each delay's partial sum when the spikes are sent: two
    weights 3 with weight_exp -2 arriving together give floor(3/4) + floor(3/4) = 0 when
    their delays differ, floor(6/4) = 1 when they are equal (one sum)."""
    def run(delays):
        b = FixedGraphBuilder((2,))
        b.linear([[3, 3], [3, 3]], weight_exp=-2, delays=delays)
        b.output()
        x = np.zeros((1, 6, 2), np.int64)
        x[0, 1, 0] = 1  # source 0 at step 1 with delay 0 and source 1 at step 0 with delay 1 ...
        x[0, 0, 1] = x[0, 1, 1] = 1  # ... meet at step 1; at step 2 only source 1's second spike arrives
        return emulate(b.graph, x, stepwise=stepwise).output()[0, :, 0]

    assert run([[0, 1], [0, 1]]).tolist() == [0, 0, 0, 0, 0, 0]  # 0 + 0 at step 1, floor(3/4) at step 2
    assert run([[0, 0], [0, 0]]).tolist() == [0, 1, 0, 0, 0, 0]  # step 0: 3/4 -> 0; step 1: 6/4 -> 1


def test_conv_and_sum_pool_match_torch():
    import torch

    rng = np.random.default_rng(0)
    w = rng.integers(-60, 60, size=(3, 2, 3, 3)) * 2
    x = (rng.random((4, 1, 2, 7, 6)) < 0.4).astype(np.int64)
    b = FixedGraphBuilder((2, 7, 6))
    b.conv2d(w, padding=1, stride=(2, 1))
    b.output()
    out = emulate(b.graph, x).output()[:, 0]
    ref = torch.nn.functional.conv2d(torch.tensor(x[:, 0], dtype=torch.float64), torch.tensor(w, dtype=torch.float64),
                                     padding=1, stride=(2, 1)).numpy()
    assert np.array_equal(out, ref)
    p = FixedGraphBuilder((2, 7, 6))
    p.sum_pool(2)
    p.output()
    pooled = emulate(p.graph, x).output()[:, 0]
    assert np.array_equal(pooled, torch.nn.functional.avg_pool2d(torch.tensor(x[:, 0], dtype=torch.float64), 2).numpy() * 4)


def test_batched_equals_one_by_one_and_recurrence():
    rng = np.random.default_rng(1)
    b = FixedGraphBuilder((5,))
    b.linear(rng.integers(-200, 200, (8, 5)))
    lif = b.lif(du=300, dv=200, vth=60, bias_mant=rng.integers(-20, 20, 8))
    b.recurrent(rng.integers(-100, 100, (8, 8)), delay=1)
    b.linear(rng.integers(-200, 200, (3, 8)), delay=3)
    b.lif(du=4095, dv=100, vth=40)
    b.output()
    x = (rng.random((6, 40, 5)) < 0.3).astype(np.int64)
    batched = emulate(b.graph, x, membranes="neurons")
    assert batched.output().sum() > 0
    for i in range(len(x)):
        single = emulate(b.graph, x[i : i + 1], membranes="neurons")
        assert np.array_equal(single.output()[0], batched.output()[i])
        assert np.array_equal(single.membranes[lif][0], batched.membranes[lif][i])


def test_matches_float_reference_where_arithmetic_coincides():
    """Integer weights, du=4095 (no current memory), dv=0 (no leak), zero reset: the float
    reference with v scaled by 64 computes the same numbers, one step earlier per synapse."""
    rng = np.random.default_rng(2)
    w1, w2 = rng.integers(-40, 80, (6, 4)), rng.integers(-40, 80, (3, 6))
    b = FixedGraphBuilder((4,))
    b.linear(w1)
    h = b.lif(du=4095, dv=0, vth=50)
    b.linear(w2)
    o = b.lif(du=4095, dv=0, vth=70)
    b.output()
    g = Graph(dt=b.graph.dt)
    g.add("input", Input(shape=(4,)))
    w1, w2 = b.graph.nodes["fc1"].effective_weight(), b.graph.nodes["fc3"].effective_weight()  # mixed: even
    g.add("fc1", Linear(weight=w1 * 64.0))
    g.add("h", LIF(shape=(6,), decay=1.0, threshold=50 * 64.0))
    g.add("fc2", Linear(weight=w2 * 64.0))
    g.add("o", LIF(shape=(3,), decay=1.0, threshold=70 * 64.0))
    g.add("output", Output(shape=(3,)))
    g.chain("input", "fc1", "h", "fc2", "o", "output")
    x = (rng.random((3, 60, 4)) < 0.5).astype(np.int64)
    fixed = emulate(b.graph, x, membranes="neurons")
    ref = simulate(g, x.astype(float), membranes="neurons")
    lag = path_latency(b.graph, "input", "output")
    assert lag == 2 and ref.output().sum() > 0
    assert np.array_equal(fixed.output()[:, lag:], ref.output()[:, :-lag])
    assert np.array_equal(fixed.membranes[h][:, 1:], ref.membranes["h"][:, :-1])
    assert np.array_equal(fixed.membranes[o][:, 2:], ref.membranes["o"][:, :-2])


def test_counters_and_cycle_model():
    graph, lif = nir_paper_lif()
    x = np.zeros((2, 10, 1), np.int64)
    x[0, [0, 1, 2, 3, 4]] = 1
    x[1, 0] = 1
    cores = {"neurons_per_core": 1, "cycles_per_synop": 2, "cycles_per_event": 1, "cycles_per_neuron_update": 5,
             "cycles_per_spike": 3, "barrier_cycles": 10, "clock_hz": 1e6}
    r = emulate(graph, x, counters=True, cores=cores)
    assert r.counters["fc1"]["events"].sum() == 6 and r.counters["fc1"]["synops"].sum() == 6
    assert r.counters[lif]["updates"].tolist() == [2] * 10
    spikes = int(r.output().sum())
    assert r.counters[lif]["spikes"].sum() == spikes
    expect = 2 * 10 * (5 + 10) + 6 * (2 + 1) + spikes * 3
    assert r.cycles["cycles_per_sample"].sum() == expect
    assert r.cycles["step_cycles"].shape == (2, 10)


def test_float_graph_is_rejected_with_names():
    g = Graph()
    g.add("input", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("output", Output(shape=(2,)))
    g.chain("input", "fc", "output")
    with pytest.raises(UnsupportedError, match="'fc' \\(Linear\\)"):
        emulate(g, np.zeros((1, 3, 2)))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=fixed_cases(max_steps=16), reset=st.sampled_from(["zero", "subtract", "none"]),
       comparator=st.sampled_from([">", ">="]), graded=st.booleans())
def test_fused_program_equals_stepwise_runner(case, reset, comparator, graded):
    """The compiled whole-run loop and the per-step runner are two implementations of the
    same arithmetic; also on what Lava cannot run (subtract reset, >=, graded spikes)."""
    graph = case.graph
    for name, node in list(graph.nodes.items()):
        if isinstance(node, FixedLIF):
            graph.nodes[name] = node.replace(reset=reset, comparator=comparator,
                                             graded=graded and not node.reads_membrane)
    graph.nodes = {n: (node.replace(num_message_bits=8) if graded and isinstance(node, FixedSynapse) else node)
                   for n, node in graph.nodes.items()}
    kw = dict(record="all", membranes="neurons", currents="neurons", counters=True)
    fused = emulate(graph, case.inputs, **kw)
    stepwise = emulate(graph, case.inputs, stepwise=True, **kw)
    assert compare_runs(fused, stepwise, graph) == []
    for name, counts in stepwise.counters.items():
        for key, series in counts.items():
            assert np.array_equal(series, fused.counters[name][key]), (name, key)


def test_chunked_batches_equal_one_chunk(monkeypatch):
    from snncompile.emulator import fused

    rng = np.random.default_rng(4)
    b = FixedGraphBuilder((6,))
    b.linear(rng.integers(-200, 200, (7, 6)), delays=rng.integers(0, 4, (7, 6)))
    lif = b.lif(du=200, dv=300, vth=40)
    b.recurrent(rng.integers(-90, 90, (7, 7)), delay=2)
    b.output()
    x = (rng.random((7, 30, 6)) < 0.4).astype(np.int64)
    kw = dict(membranes=[lif], currents=[lif], counters=True)
    whole = emulate(b.graph, x, **kw)
    monkeypatch.setattr(fused, "CHUNK_VALUES", 40)  # about one sample per chunk
    monkeypatch.setattr(fused, "PROGRESS_BLOCK", 7)  # with progress: blocks of 7 steps
    for chunked in (emulate(b.graph, x, **kw), emulate(b.graph, x, progress=True, **kw)):
        assert whole.output().sum() > 0
        assert compare_runs(whole, chunked, b.graph) == []
        assert np.array_equal(whole.counters[lif]["spikes"], chunked.counters[lif]["spikes"])

"""The compiled loop's synapse layouts (shared convolution kernels, dense rows, CSR),
narrow weights and threads, each against the step-wise runner (unrolled CSR, one thread)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncompile.emulator import emulate, tables
from snncompile.emulator.program import Program
from snncompile.emulator.run import _payloads
from snncompile.emulator.tables import (
    CONV,
    CSR,
    DENSE,
    S_ACC32,
    S_MODE,
    S_SHIFT,
    build_tables,
    common_shift,
)
from snncompile.ir.fixed import FixedConv1d, FixedGraphBuilder, FixedLinear, SignMode
from snncompile.testing.fixed_graphs import compare_runs, fixed_cases

KW = dict(record="all", membranes="neurons", currents="neurons", counters=True)


def assert_same(graph, x, **options):
    fused = emulate(graph, x, **KW, **options)
    stepwise = emulate(graph, x, stepwise=True, **KW)
    assert compare_runs(fused, stepwise, graph) == []
    for name, counts in stepwise.counters.items():
        for key, series in counts.items():
            assert np.array_equal(series, fused.counters[name][key]), (name, key)
    return fused


@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=fixed_cases(max_steps=12), density=st.sampled_from([0.0, 2.0]), batch=st.integers(1, 3))
def test_dense_and_csr_layouts_equal_the_stepwise_runner(monkeypatch, case, density, batch):
    monkeypatch.setattr(tables, "DENSE_MIN_DENSITY", density)  # 0: every FixedLinear dense, 2: all CSR
    x = np.concatenate([case.inputs, np.roll(case.inputs, 1, axis=1), case.inputs[:, ::-1]])[:batch]
    assert_same(case.graph, x, threads=2)


@pytest.mark.parametrize("graded", [False, True])
@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 1, 1, 1), (2, 0, 1, 1), (1, 2, 2, 1), (2, 1, 1, 2), (3, 2, 2, 4)])
def test_shared_kernel_convolution_equals_the_unrolled_one(graded, stride, padding, dilation, groups):
    rng = np.random.default_rng(stride * 10 + padding + groups)
    b = FixedGraphBuilder((4, 9, 7))
    w = rng.integers(-60, 60, (8, 4 // groups, 3, 3)) * 2
    w[rng.random(w.shape) < 0.3] = 0
    b.conv2d(w, stride=stride, padding=padding, dilation=dilation, groups=groups,
             num_message_bits=8 if graded else 0)
    b.lif(du=300, dv=200, vth=40, graded=graded)
    b.output()
    x = rng.integers(-3, 4, (3, 10, 4, 9, 7)) if graded else (rng.random((3, 10, 4, 9, 7)) < 0.3).astype(np.int8)
    out = assert_same(b.graph, x)
    assert out.output().any()


def test_conv1d_and_linear_with_leading_axes_in_both_layouts(monkeypatch):
    rng = np.random.default_rng(3)
    b = FixedGraphBuilder((3, 12))
    w1 = rng.integers(-50, 50, (5, 3, 3)) * 2
    b._synapse("conv1d", FixedConv1d(weight=w1, padding=(1,), stride=(2,)), 0, None)
    b.lif(du=400, dv=100, vth=30)
    b.linear(rng.integers(-90, 90, (4, 6)))  # over the last axis of (5, 6): five copies of the matrix
    b.lif(du=400, dv=100, vth=30)
    b.output()
    x = (rng.random((2, 15, 3, 12)) < 0.4).astype(np.int8)
    for density in (0.0, 2.0):
        monkeypatch.setattr(tables, "DENSE_MIN_DENSITY", density)
        assert assert_same(b.graph, x).output().any()


def test_layouts_narrow_weights_and_shared_tables():
    mixed = FixedLinear(weight=np.array([[-256, 254, 0], [3, 0, 0]]), sign_mode=SignMode.MIXED)
    sparse = FixedLinear(weight=np.eye(50, dtype=np.int64) * 7, sign_mode=SignMode.EXCITATORY)
    conv = FixedGraphBuilder((2, 100, 100))
    conv.conv2d(np.full((4, 2, 3, 3), 6), padding=1)
    node = conv.graph.nodes[conv.last]
    assert tables.layout_of(mixed) == DENSE and tables.layout_of(sparse) == CSR and tables.layout_of(node) == CONV
    assert common_shift(mixed.effective_weight()) == 1  # mixed sign drops one bit: 9-bit weights fit int8
    t = build_tables([(mixed, (3,), 2), (sparse, (50,), 50), (node, (2, 100, 100), 40000)])
    assert t.weights.dtype == np.int8 and t.indices.dtype == np.int32 and t.delays.size <= 1
    assert list(t.rows[:, S_MODE]) == [DENSE, CSR, CONV]
    assert list(t.rows[:, S_SHIFT]) == [1, 0, 1]  # 7 is odd; 6 = 3 << 1
    # the convolution costs its kernel and geometry, not its 144k synapses (5 bytes each as CSR) ...
    alone = build_tables([(node, (2, 100, 100), 40000)])
    assert alone.nbytes < 0.02 * 5 * 144_000
    # ... the sparse matrix int32 + int8 per synapse (plus its row pointers)
    assert build_tables([(sparse, (50,), 50)]).nbytes == 50 * (4 + 1) + 51 * 8 + 1


def test_threads_and_chunks_do_not_change_results(monkeypatch):
    from snncompile.emulator import fused

    rng = np.random.default_rng(5)
    b = FixedGraphBuilder((20,))
    b.linear(rng.integers(-120, 120, (30, 20)), delays=rng.integers(0, 5, (30, 20)))
    lif = b.lif(du=300, dv=200, vth=50)
    b.recurrent(rng.integers(-60, 60, (30, 30)), delay=1)
    b.linear(rng.integers(-120, 120, (10, 30)))
    b.lif(du=300, dv=200, vth=50)
    b.output()
    x = (rng.random((9, 25, 20)) < 0.3).astype(bool)
    one = emulate(b.graph, x, threads=1, counters=True, membranes=[lif])
    monkeypatch.setattr(fused, "CHUNK_VALUES", 1)  # one sample per chunk: nine chunks over three threads
    many = emulate(b.graph, x, threads=3, counters=True, membranes=[lif])
    assert one.output().any() and compare_runs(one, many, b.graph) == []
    assert np.array_equal(one.counters[lif]["spikes"], many.counters[lif]["spikes"])


def test_spike_records_are_int8_and_narrow_inputs_are_not_copied():
    b = FixedGraphBuilder((4,))
    b.linear(np.full((3, 4), 100))
    b.lif(du=4095, dv=0, vth=1)
    b.output()
    for dtype in (bool, np.int8, np.uint8, np.int16, np.int32):
        x = np.ones((2, 5, 4), dtype)
        assert np.shares_memory(_payloads(b.graph, "input", x), x)
    assert _payloads(b.graph, "input", np.ones((2, 5, 4))).dtype == np.int8  # 0/1 floats: one int8 copy
    result = emulate(b.graph, np.ones((2, 5, 4), bool), record="all", membranes="neurons")
    assert result.output().dtype == np.int8 and result.output().sum() == 2 * 4 * 3  # one step of synapse latency
    name = next(n for n in result.membranes)
    assert result.membranes[name].dtype == np.int32


def test_program_sizes_per_sample():
    b = FixedGraphBuilder((2, 8, 8))
    b.conv2d(np.ones((3, 2, 3, 3), np.int64) * 2, padding=1)
    b.lif(du=4095, dv=0, vth=5)
    b.output()
    g = b.graph
    p = Program.build(g, g.step_order(), g.infer_shapes())
    assert p.state_per_sample == 3 * 64 and p.acc_per_sample(True) == 3 * 64 and p.acc_per_sample(False) == 0
    assert p.syn.weights.size == 2 * 3 * 3 * 3  # the kernel, once


def test_accumulators_are_int32_only_when_they_cannot_overflow():
    rng = np.random.default_rng(6)
    big = (2**24 - 1) * np.ones((3, 200), np.int64)  # 200 inputs x 2^24: sums pass 2^31
    small = rng.integers(-100, 100, (3, 200))
    rows = build_tables([(FixedLinear(weight=big, weight_bits=24, num_weight_bits=24), (200,), 3), (FixedLinear(weight=small), (200,), 3),
                         (FixedLinear(weight=small, num_message_bits=8), (200,), 3)]).rows
    assert list(rows[:, S_ACC32]) == [0, 1, 0]  # too large; small binary; graded payloads
    b = FixedGraphBuilder((200,))
    b.linear(big, weight_bits=24, num_weight_bits=24, weight_exp=-3, accum_bits=32)  # wraps and shifts right: needs all 64 bits
    b.lif(du=4095, dv=0, vth=1000, act_shift=0)
    b.output()
    x = (rng.random((2, 6, 200)) < 0.9).astype(np.int8)
    assert_same(b.graph, x)


def test_an_error_in_one_thread_stops_the_others_and_is_raised(monkeypatch):
    from snncompile.emulator import fused

    b = FixedGraphBuilder((8,))
    b.linear(np.full((8, 8), 30))
    b.lif(du=100, dv=100, vth=10)
    b.output()
    calls = []

    def failing(*args):
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(fused, "CHUNK_VALUES", 1)  # one sample per chunk: 40 chunks
    monkeypatch.setattr(fused, "run_program", failing)
    with pytest.raises(KeyboardInterrupt):
        emulate(b.graph, np.ones((40, 5, 8), np.int8), threads=2)
    assert len(calls) <= 2  # each thread failed on its first chunk and took no other

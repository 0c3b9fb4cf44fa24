"""The reference simulator against straightforward numpy loops written here."""

import itertools

import numpy as np
import pytest
import torch

from snncompile.ir import (
    IF,
    LIF,
    AvgPool2d,
    BatchNorm,
    Comparator,
    CubaLIF,
    Delay,
    Graph,
    Input,
    Integrator,
    Linear,
    MaxPool2d,
    Output,
    Reset,
    ResetTiming,
    SumPool2d,
)
from snncompile.simulate import accuracy, classify, simulate

RNG = np.random.default_rng(0)


def numpy_lif(x, w, decay, th, reset, timing, comparator, syn_decay=None, bias=0.0, v_reset=0.0):
    """Plain loops over (batch, time): the equations of ir/neurons.py, nothing shared."""
    batch, steps, _ = x.shape
    n = w.shape[0]
    v = np.zeros((batch, n))
    i = np.zeros((batch, n))
    s_prev = np.zeros((batch, n))
    spikes, vs = np.zeros((batch, steps, n)), np.zeros((batch, steps, n))
    for t in range(steps):
        a = x[:, t] @ w.T
        if timing == "delayed" and reset == "zero":
            v = np.where(s_prev > 0, v_reset, v)
        if syn_decay is not None:
            i = syn_decay * i + a
            a = i
        v = decay * v + a + bias
        if timing == "delayed" and reset == "subtract":
            v = v - th * s_prev
        s = (v >= th) if comparator == ">=" else (v > th)
        s = s.astype(float)
        if timing == "immediate":
            if reset == "zero":
                v = np.where(s > 0, v_reset, v)
            elif reset == "subtract":
                v = v - th * s
        spikes[:, t], vs[:, t], s_prev = s, v, s
    return spikes, vs


def one_layer(neuron, n_in=5):
    g = Graph()
    g.add("x", Input(shape=(n_in,)))
    g.add("fc", Linear(weight=RNG.normal(0.4, 0.5, (neuron.shape[0], n_in))))
    g.add("n", neuron)
    g.add("y", Output(shape=neuron.shape))
    g.chain("x", "fc", "n", "y")
    return g


@pytest.mark.parametrize(
    "reset,timing,comparator",
    list(itertools.product(["zero", "subtract", "none"], ["immediate", "delayed"], [">", ">="])),
)
def test_lif_matches_numpy(reset, timing, comparator):
    node = LIF(shape=(6,), decay=np.linspace(0.5, 0.95, 6), threshold=0.8, reset=Reset(reset),
               reset_timing=ResetTiming(timing), comparator=Comparator(comparator), bias=0.01)
    g = one_layer(node)
    x = (RNG.random((3, 120, 5)) < 0.3).astype(float)
    res = simulate(g, x, membranes=["n"])
    s_ref, v_ref = numpy_lif(x, g.nodes["fc"].weight, node.decay, 0.8, reset, timing, comparator, bias=0.01)
    np.testing.assert_array_equal(res.output(), s_ref)
    np.testing.assert_allclose(res.membranes["n"], v_ref, atol=1e-12)
    assert res.output().sum() > 10


def numpy_refractory(x, w, decay, th, reset, timing, refractory, syn_decay=None):
    """Refractory neurons by the time of the last spike (not a counter): a neuron whose
    last spike is at most ``refractory`` steps old keeps v (after its reset) and cannot
    fire; the current integrates regardless."""
    batch, steps, _ = x.shape
    n = w.shape[0]
    v, i = np.zeros((batch, n)), np.zeros((batch, n))
    last = np.full((batch, n), -10**9)
    spikes, vs = np.zeros((batch, steps, n)), np.zeros((batch, steps, n))
    for t in range(steps):
        a = x[:, t] @ w.T
        s_prev = last == t - 1
        held, moving = v, decay * v  # held: a refractory step's v; moving: decayed v
        if timing == "delayed" and reset == "zero":
            held = moving = np.where(s_prev, 0.0, v)
            moving = decay * moving
        elif timing == "delayed" and reset == "subtract":  # snnTorch: subtracted after the decay
            held, moving = v - th * s_prev, decay * v - th * s_prev
        if syn_decay is not None:
            i = syn_decay * i + a
            a = i
        new_v = moving + a
        quiet = (t - last) <= refractory
        v = np.where(quiet, held, new_v)
        s = (v > th) & ~quiet
        if timing == "immediate":
            if reset == "zero":
                v = np.where(s, 0.0, v)
            elif reset == "subtract":
                v = v - th * s
        last = np.where(s, t, last)
        spikes[:, t], vs[:, t] = s, v
    return spikes, vs


@pytest.mark.parametrize("reset,timing,refractory,cuba", [
    ("zero", "immediate", 3, False), ("zero", "delayed", 1, True), ("subtract", "immediate", 2, True),
    ("subtract", "delayed", 2, False), ("none", "immediate", 1, False), ("zero", "immediate", 1000, True),
])
def test_refractory_neurons_match_numpy(reset, timing, refractory, cuba):
    common = dict(shape=(6,), decay=0.8, threshold=0.7, reset=Reset(reset), reset_timing=ResetTiming(timing),
                  refractory=refractory)
    node = CubaLIF(syn_decay=0.6, **common) if cuba else LIF(**common)
    g = one_layer(node)
    x = (RNG.random((3, 150, 5)) < 0.4).astype(float)
    res = simulate(g, x, membranes=["n"])
    s_ref, v_ref = numpy_refractory(x, g.nodes["fc"].weight, 0.8, 0.7, reset, timing, refractory,
                                    0.6 if cuba else None)
    np.testing.assert_array_equal(res.output(), s_ref)
    np.testing.assert_allclose(res.membranes["n"], v_ref, atol=1e-12)
    spikes = res.output()
    assert spikes.sum() > 10
    gaps = [int(d.min()) for b in range(3) for j in range(6) if (d := np.diff(np.flatnonzero(spikes[b, :, j]))).size]
    if refractory >= 150:
        assert not gaps and spikes.sum(axis=1).max() == 1  # fires at most once
    else:
        assert min(gaps) == refractory + 1  # the period binds


def test_refractory_is_a_whole_number_of_steps():
    with pytest.raises(ValueError, match="whole number of steps"):
        LIF(shape=(1,), refractory=1.5)
    assert LIF(shape=(1,), refractory=-1).check((1,)) == ["refractory must be a number of steps >= 0, found -1"]


def test_comparator_matters_on_exact_hits():
    # integer weights: v hits the threshold exactly, so > and >= differ
    node_gt = IF(shape=(1,), threshold=2.0, comparator=Comparator.GT)
    node_ge = IF(shape=(1,), threshold=2.0, comparator=Comparator.GE)
    x = np.ones((1, 6, 1))
    for node, expected in [(node_gt, [0, 0, 1, 0, 0, 1]), (node_ge, [0, 1, 0, 1, 0, 1])]:
        g = Graph()
        g.add("x", Input(shape=(1,)))
        g.add("n", node)
        g.add("y", Output(shape=(1,)))
        g.chain("x", "n", "y")
        np.testing.assert_array_equal(simulate(g, x).output()[0, :, 0], expected)


def test_cuba_lif_with_recurrence_matches_numpy():
    n = 4
    w_in = RNG.normal(0.5, 0.3, (n, 3))
    w_rec = RNG.normal(-0.2, 0.3, (n, n))
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=w_in))
    g.add("cuba", CubaLIF(shape=(n,), syn_decay=0.55, decay=0.9, reset=Reset.SUBTRACT,
                          reset_timing=ResetTiming.DELAYED))
    g.add("rec", Linear(weight=w_rec))
    g.add("y", Output(shape=(n,)))
    g.chain("x", "fc", "cuba", "y")
    g.connect("cuba", "rec")
    g.connect("rec", "cuba", delay=1)
    x = (RNG.random((2, 100, 3)) < 0.4).astype(float)
    out = simulate(g, x).output()
    # numpy: the recurrent input at t is w_rec @ s[t-1]
    i = np.zeros((2, n))
    v = np.zeros((2, n))
    s = np.zeros((2, n))
    expected = np.zeros_like(out)
    for t in range(100):
        a = x[:, t] @ w_in.T + s @ w_rec.T
        i = 0.55 * i + a
        v = 0.9 * v + i - 1.0 * s
        s = (v > 1.0).astype(float)
        expected[:, t] = s
    np.testing.assert_array_equal(out, expected)
    assert out.sum() > 20


def test_edge_delay_and_delay_node_shift_in_time():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("d", Delay(delay=np.array([0, 2, 5])))
    g.add("y", Output(shape=(3,)))
    g.add("y2", Output(shape=(3,)))
    g.chain("x", "d", "y")
    g.connect("x", "y2", delay=4)
    x = RNG.random((2, 12, 3))
    res = simulate(g, x)
    for k, d in enumerate([0, 2, 5]):
        np.testing.assert_array_equal(res.outputs["y"][:, d:, k], x[:, : 12 - d, k])
        np.testing.assert_array_equal(res.outputs["y"][:, :d, k], 0)
    np.testing.assert_array_equal(res.outputs["y2"][:, 4:], x[:, :8])
    np.testing.assert_array_equal(res.outputs["y2"][:, :4], 0)


def test_pools_and_batchnorm_against_torch_modules():
    x = (RNG.random((2, 5, 3, 8, 8)) < 0.5).astype(float)
    bn = torch.nn.BatchNorm2d(3).double().eval()
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 1.5)
    cases = [
        (SumPool2d(kernel_size=2), lambda t: torch.nn.functional.avg_pool2d(t, 2) * 4),
        (AvgPool2d(kernel_size=3, stride=2, padding=1), torch.nn.AvgPool2d(3, 2, 1)),
        (MaxPool2d(kernel_size=3, stride=2, padding=1), torch.nn.MaxPool2d(3, 2, 1)),
        (BatchNorm(mean=bn.running_mean.numpy(), var=bn.running_var.numpy(), weight=bn.weight.detach().numpy(),
                   bias=bn.bias.detach().numpy(), eps=bn.eps), bn),
    ]
    for node, module in cases:
        g = Graph()
        g.add("x", Input(shape=(3, 8, 8)))
        g.add("op", node)
        out_shape = node.output_shape((3, 8, 8))
        g.add("y", Output(shape=out_shape))
        g.chain("x", "op", "y")
        got = simulate(g, x).output()
        with torch.no_grad():
            want = module(torch.as_tensor(x).flatten(0, 1)).reshape(2, 5, *out_shape).numpy()
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=node.kind)


def test_extra_steps_get_zero_input_and_integrator_holds():
    g = Graph()
    g.add("x", Input(shape=(1,)))
    g.add("acc", Integrator(shape=(1,)))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "acc", "y")
    out = simulate(g, np.ones((1, 3, 1)), steps=6).output()[0, :, 0]
    np.testing.assert_array_equal(out, [1, 2, 3, 3, 3, 3])


def test_accuracy_uses_argmax_of_spike_counts():
    out = np.zeros((3, 4, 2))
    out[0, :, 1] = 1
    out[1, :2, 0] = 1
    labels = np.array([1, 0, 1])  # sample 2 ties at 0 -> class 0
    np.testing.assert_array_equal(classify(out), [1, 0, 0])
    assert accuracy(out, labels) == pytest.approx(2 / 3)


def _delayed(weight, delays, bias=None, conv=False, **conv_args):
    from snncompile.ir import Conv1d

    g = Graph()
    shape = (weight.shape[1], 6) if conv else (weight.shape[1],)
    g.add("x", Input(shape=shape))
    node = (Conv1d(weight=weight, delays=delays, bias=bias, **conv_args) if conv
            else Linear(weight=weight, delays=delays, bias=bias))
    g.add("syn", node)
    g.add("y", Output(shape=node.output_shape(shape)))
    g.chain("x", "syn", "y")
    return g.validate()


def test_per_synapse_delays_equal_a_loop_over_synapses():
    w, d, b = RNG.normal(size=(3, 4)), RNG.integers(0, 6, size=(3, 4)), RNG.normal(size=3)
    x = RNG.normal(size=(2, 12, 4))
    want = np.tile(b, (2, 12, 1))
    for t, i, j in itertools.product(range(12), range(3), range(4)):
        if t >= d[i, j]:
            want[:, t, i] += w[i, j] * x[:, t - d[i, j], j]
    got = simulate(_delayed(w, d, b), x, steps=12).output()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_linear_delays_are_a_causal_conv1d_over_time():
    """One tap per synapse at kernel index K-1-d, time padded K-1 on the left (the DCLS
    layout): PyTorch's conv1d over the whole sequence equals the step-by-step delays."""
    k, steps = 5, 15
    w, d = RNG.normal(size=(3, 4)), RNG.integers(0, k, size=(3, 4))
    kernel = np.zeros((3, 4, k))
    rows, cols = np.indices(d.shape)
    kernel[rows, cols, k - 1 - d] = w
    x = (RNG.random((2, steps, 4)) < 0.4).astype(float)
    padded = torch.nn.functional.pad(torch.as_tensor(x).transpose(1, 2), (k - 1, 0))
    oracle = torch.nn.functional.conv1d(padded, torch.as_tensor(kernel)).transpose(1, 2).numpy()
    np.testing.assert_allclose(simulate(_delayed(w, d), x).output(), oracle, rtol=0, atol=1e-12)


def test_conv_delays_delay_each_kernel_weight():
    from snncompile.ir import Conv1d

    w, d = RNG.normal(size=(2, 3, 3)), RNG.integers(0, 4, size=(2, 3, 3))
    x = RNG.normal(size=(2, 9, 3, 6))
    got = simulate(_delayed(w, d, np.array([0.5, -1.0]), conv=True, padding=1), x).output()
    want = np.zeros_like(got)
    for t in range(9):
        for delay in range(4):
            if t >= delay:
                part = Conv1d(weight=np.where(d == delay, w, 0), padding=1)
                want[:, t] += torch.nn.functional.conv1d(torch.as_tensor(x[:, t - delay]),
                                                         torch.as_tensor(part.weight), padding=1).numpy()
    np.testing.assert_allclose(got, want + np.array([0.5, -1.0])[:, None], rtol=0, atol=1e-12)

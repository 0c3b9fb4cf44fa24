"""The reference simulator's kernels on cases the broader tests (test_reference.py)
did not pin: a largest delay of exactly one step, a flatten whose batch differs from
its last axis, a random source's first step. Each against numpy written here or the
IR node's own definition (docs/mutation.md lists the mutants they kill)."""

import numpy as np
import torch

from snncompile.ir import Conv1d, Flatten, Graph, Input, Linear, Output
from snncompile.ir.random_source import RandomSpikes
from snncompile.simulate import simulate

RNG = np.random.default_rng(7)


def _graph(node, shape) -> Graph:
    g = Graph()
    g.add("x", Input(shape=shape))
    g.add("n", node)
    g.add("y", Output(shape=node.output_shape(shape)))
    g.chain("x", "n", "y")
    return g.validate()


def test_linear_with_delays_of_at_most_one_step():
    """y[t] = W0 x[t] + W1 x[t-1] + b, W_d the weights of delay d (zeros before step 0)."""
    w, d, b = RNG.normal(size=(3, 4)), RNG.integers(0, 2, size=(3, 4)), RNG.normal(size=3)
    assert d.max() == 1
    x = RNG.normal(size=(2, 6, 4))
    w0, w1 = np.where(d == 0, w, 0), np.where(d == 1, w, 0)
    want = x @ w0.T + b
    want[:, 1:] += x[:, :-1] @ w1.T
    got = simulate(_graph(Linear(weight=w, delays=d, bias=b), (4,)), x).output()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_conv_with_delays_of_at_most_one_step():
    w, d = RNG.normal(size=(2, 3, 3)), RNG.integers(0, 2, size=(2, 3, 3))
    assert d.max() == 1
    x = RNG.normal(size=(2, 5, 3, 6))
    got = simulate(_graph(Conv1d(weight=w, delays=d, padding=1), (3, 6)), x).output()

    def conv(xt, weight):
        return torch.nn.functional.conv1d(torch.as_tensor(xt), torch.as_tensor(weight), padding=1).numpy()

    want = np.stack([conv(x[:, t], np.where(d == 0, w, 0)) + (conv(x[:, t - 1], np.where(d == 1, w, 0)) if t else 0)
                     for t in range(5)], axis=1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_flatten_keeps_the_batch_axis():
    x = RNG.normal(size=(2, 3, 4, 5))   # batch 2, 3 steps, per-step (4, 5)
    got = simulate(_graph(Flatten(), (4, 5)), x).output()
    np.testing.assert_array_equal(got, x.reshape(2, 3, 20))


def test_random_source_starts_at_step_zero():
    """The run's step t is the node's ``spikes(samples, t)`` from t = 0."""
    node = RandomSpikes(shape=(40,), probability=np.full(40, 0.5), seed=9)
    g = Graph()
    g.add("x", Input(shape=(1,)))        # executors take an input; this one is passed through
    g.add("r", node)
    g.add("y", Output(shape=(40,)))
    g.add("passed", Output(shape=(1,)))
    g.chain("r", "y")
    g.chain("x", "passed")
    got = simulate(g.validate(), np.zeros((2, 3, 1))).outputs["y"]
    want = np.stack([node.spikes(np.arange(2), t) for t in range(3)], axis=1)
    np.testing.assert_array_equal(got, want)


def test_undelayed_synapses_do_the_float_operations_of_pytorchs_own_layers():
    """Without delays a Linear / Conv1d adds its bias inside the product, as nn.Linear and
    nn.Conv1d do (F.linear(x, W, b) and F.linear(x, W) + b round differently), so a
    framework's layer is reproduced bit for bit."""
    w, b = RNG.normal(size=(50, 300)), RNG.normal(size=50) * 100
    x = RNG.normal(size=(8, 3, 300))   # batch 8: PyTorch's fused and separate bias round differently
    got = simulate(_graph(Linear(weight=w, bias=b), (300,)), x).output()
    layer = np.stack([torch.nn.functional.linear(torch.as_tensor(x[:, t]), torch.as_tensor(w), torch.as_tensor(b))
                      .numpy() for t in range(3)], axis=1)   # step by step, as a framework runs it
    np.testing.assert_array_equal(got, layer)
    wc, bc = RNG.normal(size=(4, 20, 3)), RNG.normal(size=4) * 100
    xc = RNG.normal(size=(2, 3, 20, 16))
    got = simulate(_graph(Conv1d(weight=wc, bias=bc), (20, 16)), xc).output()
    conv = np.stack([torch.nn.functional.conv1d(torch.as_tensor(xc[:, t]), torch.as_tensor(wc), torch.as_tensor(bc))
                     .numpy() for t in range(3)], axis=1)
    np.testing.assert_array_equal(got, conv)


def test_batchnorm_with_affine_parameters_is_pytorchs_eval_mode():
    mean, var, w, b = RNG.normal(size=3), RNG.random(3) + 0.5, RNG.normal(size=3), RNG.normal(size=3)
    x = RNG.normal(size=(2, 4, 3, 5))
    from snncompile.ir import BatchNorm

    got = simulate(_graph(BatchNorm(mean=mean, var=var, weight=w, bias=b), (3, 5)), x).output()
    bn = torch.nn.BatchNorm1d(3, dtype=torch.float64).eval()
    with torch.no_grad():
        bn.running_mean[:], bn.running_var[:], bn.weight[:], bn.bias[:] = (torch.as_tensor(a) for a in (mean, var, w, b))
        want = np.stack([bn(torch.as_tensor(x[:, t])).numpy() for t in range(4)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_scale_multiplies():
    from snncompile.ir import Scale

    x = RNG.normal(size=(2, 3, 4))
    s = np.array([2.0, -0.5, 3.0, 0.25])
    np.testing.assert_array_equal(simulate(_graph(Scale(scale=s), (4,)), x).output(), x * s)


def test_an_empty_delay_population_runs():
    from snncompile.ir import Delay

    got = simulate(_graph(Delay(delay=np.zeros((0,), int)), (0,)), np.zeros((1, 3, 0))).output()
    assert got.shape == (1, 3, 0)

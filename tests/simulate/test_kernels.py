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

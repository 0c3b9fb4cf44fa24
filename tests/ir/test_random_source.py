"""RandomSpikes: the seeded counter-based stream (statistics, determinism, independence)
and the same stream in the reference simulator, the emulator (step-wise and compiled
loop, any chunking of the batch) and Lava (replayed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from snncompile.emulator import emulate
from snncompile.emulator.kernels import random_spikes
from snncompile.ir import LIF, Graph, Input, Linear, Output, RandomSpikes
from snncompile.ir.random_source import SCALE, uniform32
from snncompile.simulate import simulate


def test_uniform32_is_uniform_and_independent_of_each_index():
    r = uniform32(7, np.arange(64), 3, 1000)  # 64000 values
    counts = np.bincount((r >> 28).ravel(), minlength=16)  # 16 equal bins
    chi2 = float(((counts - r.size / 16) ** 2 / (r.size / 16)).sum())
    assert chi2 < 45.0  # chi-square, 15 degrees of freedom: p ~ 1e-4
    assert 0 <= r.min() and r.max() < 2**32
    others = [uniform32(8, np.arange(64), 3, 1000), uniform32(7, np.arange(1, 65), 3, 1000),
              uniform32(7, np.arange(64), 4, 1000)]
    for other in others:  # another seed, sample or step: uncorrelated, not shifted copies
        assert abs(np.corrcoef(r.ravel(), other.ravel())[0, 1]) < 0.02
        assert np.mean(r == other) < 1e-3
    bits = (r[:, :-1] >> 31) ^ (r[:, 1:] >> 31)  # neighbouring elements: top bits independent
    assert abs(bits.mean() - 0.5) < 0.01


def test_spike_frequency_is_the_probability():
    node = RandomSpikes(shape=(50,), probability=np.linspace(0.0, 1.0, 50), seed=11)
    n = 4000
    freq = np.mean([node.spikes(np.arange(20), t) for t in range(n // 20)], axis=(0, 1))
    p = node.threshold() / SCALE
    sigma = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) <= 4.5 * sigma + 1e-12)
    assert freq[0] == 0.0 and freq[-1] == 1.0


@pytest.mark.parametrize("sample0,batch", [(0, 5), (3, 2)])
def test_compiled_stream_equals_numpy(sample0, batch):
    node = RandomSpikes(shape=(37,), probability=np.linspace(0.05, 0.95, 37), seed=2**62 + 5)
    for t in (0, 1, 1000):
        out = np.zeros(batch * 37, np.int64)
        random_spikes(node.seed, sample0, t, node.threshold(), out, batch)
        assert np.array_equal(out.reshape(batch, 37), node.spikes(np.arange(sample0, sample0 + batch), t))


def noisy_neuron(k: int, p: float, threshold: float) -> Graph:
    """A memoryless neuron (decay 0) summing k Bernoulli(p) sources with weight 1: it fires
    with probability P(Binomial(k, p) > threshold) in every step, independently."""
    g = Graph()
    g.add("x", Input(shape=(1,)))
    g.add("noise", RandomSpikes(shape=(k,), probability=p, seed=4))
    g.add("sum", Linear(weight=np.ones((1, k))))
    g.add("n", LIF(shape=(1,), decay=0.0, threshold=threshold))
    g.add("y", Output(shape=(1,)))
    g.add("silent", Linear(weight=np.zeros((1, 1))))  # executors take an input; this one adds nothing
    g.chain("noise", "sum", "n", "y")
    g.chain("x", "silent", "n")
    return g


def test_stochastic_neuron_fires_with_the_binomial_tail_probability_in_every_executor():
    from snncompile.passes.quantize import QuantizeOptions, quantize

    k, p, threshold = 12, 0.3, 4.5
    exact = sum(math.comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(5, k + 1))
    g = noisy_neuron(k, p, threshold)
    x = np.zeros((16, 400, 1))
    ref = simulate(g, x).output()
    n = ref.size
    assert abs(ref.mean() - exact) < 4 * math.sqrt(exact * (1 - exact) / n)
    q = quantize(g, "loihi2", QuantizeOptions(), calibrate=x[:2])
    lag = q.lags["n"]
    emu = emulate(q.fixed, x.astype(np.int8), steps=400 + lag).output()[:, lag:]
    assert np.array_equal(emu, ref)  # the same stream: the same spikes
    chunked = emulate(q.fixed, x.astype(np.int8), steps=400 + lag, threads=3).output()[:, lag:]
    assert np.array_equal(chunked, ref)


def test_lava_replays_the_stream():
    from snncompile.backends.lava.run import run_lava
    from snncompile.passes.quantize import QuantizeOptions, quantize

    g = noisy_neuron(6, 0.4, 1.5)
    x = np.zeros((2, 25, 1))
    fixed = quantize(g, "loihi2", QuantizeOptions(), calibrate=x).fixed
    emu = emulate(fixed, x.astype(np.int8), record=["n"], membranes=["n"])
    lava = run_lava(fixed, x.astype(np.int8), record=["n"], membranes=["n"])
    assert np.array_equal(emu.recorded["n"], lava.recorded["n"]) and emu.recorded["n"].sum() > 10
    assert np.array_equal(emu.membranes["n"], lava.membranes["n"])
    assert not np.array_equal(emu.recorded["n"][0], emu.recorded["n"][1])  # samples differ


def test_bad_parameters_are_named():
    assert RandomSpikes(shape=(2,), probability=1.5).check(()) == ["probability must lie in [0, 1]"]
    assert "does not broadcast" in RandomSpikes(shape=(2,), probability=np.ones(3)).check(())[0]

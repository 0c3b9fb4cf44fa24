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


M64 = (1 << 64) - 1


def r_by_hand(seed: int, b: int, t: int, i: int) -> int:
    """``r(seed, b, t, i)`` written out from the module docstring in Python integers (no
    numpy, no code of ours): splitmix64's finaliser, mod 2**64."""

    def mix(x: int) -> int:
        z = (x + 0x9E3779B97F4A7C15) & M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    return mix(mix(mix(mix(seed) ^ b) ^ t) ^ i) >> 32


def noise_by_hand(node: RandomSpikes, samples, steps: int) -> np.ndarray:
    """(len(samples), steps, size) spikes of the data-set samples ``samples``."""
    p = node.threshold()
    return np.array([[[int(r_by_hand(node.seed, b, t, i) < p[i]) for i in range(p.size)] for t in range(steps)]
                     for b in samples], np.int8)


def test_row_k_of_a_batch_starting_at_sample_s_draws_for_sample_s_plus_k():
    """b = s + k by hand (Python integers) and with uniform32, in the reference, the
    emulator (compiled loop, several threads, step-wise) and the kernel's own row."""
    from snncompile.passes.quantize import QuantizeOptions, quantize

    g = noisy_neuron(6, 0.4, 1.5)
    node = g.nodes["noise"]
    assert isinstance(node, RandomSpikes)
    s, batch, steps = 1000, 3, 4
    want = noise_by_hand(node, range(s, s + batch), steps)
    for t in range(steps):
        by_uniform = uniform32(node.seed, np.arange(s, s + batch), t, 6) < node.threshold()
        assert np.array_equal(by_uniform, want[:, t])
    x = np.zeros((batch, steps, 1))
    ref = simulate(g, x, record=["noise"], first_sample=s).recorded["noise"]
    assert np.array_equal(ref, want) and 0 < want.sum() < want.size
    assert not np.array_equal(simulate(g, x, record=["noise"]).recorded["noise"], want)  # row k is not sample k
    fixed = quantize(g, "loihi2", QuantizeOptions(), calibrate=x).fixed
    for how in ({}, {"threads": 2}, {"stepwise": True}):
        got = emulate(fixed, x.astype(np.int8), record=["noise"], first_sample=s, **how).recorded["noise"]
        assert np.array_equal(got, want), how


@pytest.mark.parametrize("batch_size", [1, 7, 32])
def test_splitting_the_data_into_batches_changes_nothing(batch_size):
    """A data set of 23 samples run in batches (each told its first sample, as evaluate
    does) gives the all-at-once run's spikes, on the reference and the emulator; and the
    noise is sample b's by hand."""
    from snncompile.passes.quantize import QuantizeOptions, quantize

    g = noisy_neuron(8, 0.3, 2.5)
    n, steps = 23, 30
    x = np.zeros((n, steps, 1))
    fixed = quantize(g, "loihi2", QuantizeOptions(), calibrate=x[:2]).fixed
    runs = {
        "reference": lambda xs, s: simulate(g, xs, record=["noise", "n"], first_sample=s),
        "emulator": lambda xs, s: emulate(fixed, xs.astype(np.int8), record=["noise", "n"], first_sample=s),
        "emulator step-wise": lambda xs, s: emulate(fixed, xs.astype(np.int8), record=["noise", "n"],
                                                    first_sample=s, stepwise=True),
    }
    want_noise = noise_by_hand(g.nodes["noise"], range(n), steps)
    for name, run in runs.items():
        whole = run(x, 0)
        parts = [run(x[s:s + batch_size], s) for s in range(0, n, batch_size)]
        for node in ("noise", "n"):
            assert np.array_equal(np.concatenate([p.recorded[node] for p in parts]), whole.recorded[node]), name
        assert np.array_equal(whole.recorded["noise"], want_noise), name
        assert 0 < whole.recorded["n"].sum() < whole.recorded["n"].size


@pytest.mark.lava
def test_lava_replays_sample_first_sample_plus_k():
    """Lava (a small graph, 3 samples): batches of 1 and 2 told their first sample give
    the whole run's spikes and membranes; the replayed noise is sample b's by hand."""
    from snncompile.backends.lava.run import run_lava
    from snncompile.passes.quantize import QuantizeOptions, quantize

    g = noisy_neuron(6, 0.4, 1.5)
    x = np.zeros((3, 12, 1), np.int8)
    fixed = quantize(g, "loihi2", QuantizeOptions(), calibrate=x.astype(np.float64)).fixed
    kw = dict(record=["n"], membranes=["n"])
    whole = run_lava(fixed, x, **kw)
    parts = [run_lava(fixed, x[:1], first_sample=0, **kw), run_lava(fixed, x[1:], first_sample=1, **kw)]
    assert np.array_equal(np.concatenate([p.recorded["n"] for p in parts]), whole.recorded["n"])
    assert np.array_equal(np.concatenate([p.membranes["n"] for p in parts]), whole.membranes["n"])
    emu = emulate(fixed, x, first_sample=0, **kw)  # the emulator's stream (checked by hand above)
    assert np.array_equal(emu.recorded["n"], whole.recorded["n"]) and whole.recorded["n"].sum() > 3
    late = run_lava(fixed, x[:1], first_sample=7, **kw)
    assert np.array_equal(late.recorded["n"], emulate(fixed, x[:1], first_sample=7, **kw).recorded["n"])

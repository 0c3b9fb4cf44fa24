import numpy as np
import pytest

from snncompile.ir import IF, LIF, CubaLIF, Flatten, Graph, Input, Linear, Output, Reset, Scale
from snncompile.ir.host import MatMul
from snncompile.ir.host_tensor import Permute
from snncompile.passes.fold_scale_into_threshold import fold_scale_into_threshold
from snncompile.simulate import simulate


def spikes(rng, *shape):
    return (rng.random(shape) < 0.4).astype(float)


def attention_like(neuron, scale=0.125) -> Graph:
    """Spike product Q·Kᵀ (values) → Scale → Permute → Flatten → spiking neuron."""
    g = Graph()
    g.add("q", Input(shape=(4, 3)))
    g.add("k", Input(shape=(3, 4)))
    g.add("qk", MatMul())
    g.add("s", Scale(scale=scale))
    g.add("t", Permute(perm=(1, 0)))
    g.add("flat", Flatten())
    g.add("n", neuron)
    g.add("y", Output(shape=(16,)))
    g.connect("q", "qk", port="a")
    g.connect("k", "qk", port="b")
    g.chain("qk", "s", "t", "flat", "n", "y")
    return g


@pytest.mark.parametrize("neuron", [
    LIF(shape=(16,), decay=0.75, threshold=0.5, bias=0.03, reset=Reset.ZERO),
    LIF(shape=(16,), decay=0.5, threshold=0.25, v_reset=-0.125, reset=Reset.ZERO),
    LIF(shape=(16,), decay=0.875, threshold=0.375, reset=Reset.SUBTRACT),
    IF(shape=(16,), threshold=1.0, reset=Reset.SUBTRACT),
    CubaLIF(shape=(16,), syn_decay=0.5, decay=0.75, threshold=0.5),
])
def test_power_of_two_scale_folds_bit_exactly(neuron):
    rng = np.random.default_rng(0)
    g = attention_like(neuron)
    folded = fold_scale_into_threshold(g)
    assert "s" not in folded.nodes and "s" in g.nodes
    assert float(folded.nodes["n"].threshold) == float(neuron.threshold) * 8
    x = {"q": spikes(rng, 3, 40, 4, 3), "k": spikes(rng, 3, 40, 3, 4)}
    a, b = simulate(g, x, membranes=["n"]), simulate(folded, x, membranes=["n"])
    assert a.outputs["y"].sum() > 10  # the case is not vacuous
    assert np.array_equal(a.outputs["y"], b.outputs["y"])
    np.testing.assert_array_equal(b.membranes["n"] * 0.125, a.membranes["n"])


def test_per_neuron_scale_folds_into_a_neuron_it_feeds_directly():
    rng = np.random.default_rng(1)
    g = Graph()
    g.add("x", Input(shape=(5,)))
    g.add("fc", Linear(weight=rng.normal(size=(6, 5))))
    g.add("gate", LIF(shape=(6,), threshold=0.2))
    g.add("s", Scale(scale=2.0 ** rng.integers(-3, 3, size=6)))
    g.add("n", LIF(shape=(6,), decay=0.8, threshold=0.5, bias=0.01))
    g.add("y", Output(shape=(6,)))
    g.chain("x", "fc", "gate", "s", "n", "y")
    folded = fold_scale_into_threshold(g)
    assert "s" not in folded.nodes
    x = rng.random((2, 30, 5))
    assert np.array_equal(simulate(g, x).outputs["y"], simulate(folded, x).outputs["y"])


@pytest.mark.parametrize("case", ["negative", "per-element through views", "membrane readout", "shared"])
def test_scales_that_would_change_meaning_stay(case):
    neuron = LIF(shape=(16,), threshold=0.5)
    g = attention_like(neuron, scale=-0.125 if case == "negative" else 0.125)
    if case == "per-element through views":
        g = attention_like(neuron, scale=np.linspace(0.1, 1.0, 4))
    elif case == "membrane readout":
        from snncompile.ir import LI

        g.nodes["n"] = LI(shape=(16,), decay=0.5)
    elif case == "shared":
        g.add("m", LIF(shape=(4, 4)))
        g.add("z", Output(shape=(4, 4)))
        g.connect("s", "m")
        g.connect("m", "z")
    assert "s" in fold_scale_into_threshold(g).nodes

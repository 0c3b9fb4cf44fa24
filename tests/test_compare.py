import numpy as np
import pytest

from snncompile.compare import aligned, aligned_agreement, compare_graphs, first_divergence
from snncompile.errors import InputError
from snncompile.ir import IF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize, spec_from_target


@pytest.fixture(scope="module")
def loihi2():
    return spec_from_target("loihi2")


def two_layers(w2=0.5):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("f1", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("f2", Linear(weight=[[w2, 0.5]]))
    g.add("o", IF(shape=(1,), threshold=1.0))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "f1", "h", "f2", "o", "y")
    return g


@pytest.fixture
def x():
    return (np.random.default_rng(1).random((3, 30, 2)) < 0.4).astype(float)


def test_exact_quantization_agrees_everywhere(loihi2, x):
    g = two_layers()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], labels=np.zeros(3))
    assert c.lags["emulator"] == {"h": 1, "o": 2, "y": 2} and c.lags["reference"] == {"h": 0, "o": 0, "y": 0}
    (pair,) = c.pairs
    assert [r.agreement for r in pair.layers] == [1.0, 1.0] and pair.first_layer is None
    assert all(r.spikes_a == r.spikes_b > 0 for r in pair.layers)
    assert c.output_agreement == {"reference vs emulator": 1.0}
    assert c.accuracy["reference"] == c.accuracy["emulator"]


def test_first_divergence_names_layer_and_step(loihi2, x):
    """A fixed graph quantized from a different second layer diverges there first, at the
    first step where the float model's output spikes differ."""
    g, changed = two_layers(), two_layers(w2=0.25)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    (pair,) = c.pairs
    from snncompile.simulate import simulate

    a = simulate(g, x, record=["o"]).recorded["o"]
    b = simulate(changed, x, record=["o"]).recorded["o"]
    expected = int(np.flatnonzero((a != b).any(axis=(0, 2)))[0])
    assert pair.layers[0].first_divergence is None
    assert (pair.first_layer, pair.first_step) == ("o", expected)


def test_alignment_never_pads():
    with pytest.raises(InputError, match="cannot cover lag 2"):
        aligned(np.zeros((1, 10, 1)), 2, 9)
    s = np.zeros((1, 6, 1))
    s[0, 3] = 1
    assert aligned_agreement(s[:, :5], s, lag=0) == 1.0
    assert aligned_agreement(s[:, 1:], s, lag=1) == 1.0
    assert first_divergence(s[:, :5], s[:, 1:]) == 2


def test_needs_two_backends(loihi2, x):
    g = two_layers()
    q = quantize(g, loihi2)
    with pytest.raises(InputError, match="at least two backends"):
        compare_graphs(g, q.fixed, q.lags, x, ["reference"])


def test_a_host_segment_output_is_compared_as_values(x):
    """A chip layer read out by a host head (real values): same class and max error, not
    entry-by-entry equality (host float arithmetic sees the chip's spikes, so values agree
    to rounding when the spikes do)."""
    from snncompile.ir.host import Mean
    from snncompile.passes.partition import Capabilities
    from snncompile.targets import load_target

    g = Graph()
    g.add("x", Input(shape=(4, 2)))
    g.add("f1", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(4, 2), threshold=1.0))
    g.add("mean", Mean(axes=(0,)))
    g.add("head", Linear(weight=[[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]], bias=[0.01, 0.0, 0.02]))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "f1", "h", "mean", "head", "y")
    xs = np.repeat(x[:, :, None, :], 4, axis=2)
    q = quantize(g, "loihi2", QuantizeOptions(scale=2**14), capabilities=Capabilities.of(load_target("loihi2")))
    assert q.fixed.nodes["head"].kind == "Linear"  # on the host, in float
    c = compare_graphs(g, q.fixed, q.lags, xs, ["reference", "emulator"], labels=np.zeros(3))
    assert c.output_agreement == {"reference vs emulator": 1.0}
    assert c.output_max_error["reference vs emulator"] < 1e-12
    assert c.accuracy["reference"] == c.accuracy["emulator"]

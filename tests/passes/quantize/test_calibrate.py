"""Calibration (``measure_ranges``) against an independent numpy loop of the IR's
equations, on a network where the synaptic current ``u``, not ``v``, limits the scale:
a slow current (syn_decay 0.95) accumulates about 20 inputs, and a negative bias with no
membrane memory keeps ``v`` below it. The scale must then be the largest step of the
weights' grid whose |u| stays within ``state_max / headroom``."""

import numpy as np
import pytest

from snncompile.ir import LIF, CubaLIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize

SYN_DECAY, DECAY, BIAS, THRESHOLD = 0.95, 0.0, -0.5, 1.0
W = np.array([[8.0, 4.0, 4.0, 8.0], [4.0, 8.0, 8.0, 4.0]])


def network() -> Graph:
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=W))
    g.add("n", CubaLIF(shape=(2,), syn_decay=SYN_DECAY, decay=DECAY, bias=BIAS, threshold=THRESHOLD,
                       reset="subtract"))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "y")
    return g


def by_hand(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|u| and |v before the reset| at every step: i = a i + x W^T, v = b v + i + bias,
    spike when v > threshold (the IR's default comparator), immediate subtract reset."""
    batch, steps, _ = x.shape
    i, v = np.zeros((batch, 2)), np.zeros((batch, 2))
    us, vs = [], []
    for t in range(steps):
        i = SYN_DECAY * i + x[:, t] @ W.T
        v = DECAY * v + i + BIAS
        us.append(np.abs(i))
        vs.append(np.abs(v))
        v = v - THRESHOLD * (v > THRESHOLD)
    return np.stack(us, 1), np.stack(vs, 1)


@pytest.fixture(scope="module")
def calibrated():
    x = (np.random.default_rng(3).random((4, 80, 4)) < 0.5).astype(float)
    q = quantize(network(), "loihi2", QuantizeOptions(percentile=100.0), calibrate=x)
    return x, q.plan.layers["n"]


def test_ranges_equal_the_equations_by_hand(calibrated):
    x, layer = calibrated
    u, v = by_hand(x)
    assert layer.range is not None
    assert layer.range.u_abs == pytest.approx(u.max(), rel=1e-12)  # the accumulated current
    assert layer.range.v_abs == pytest.approx(v.max(), rel=1e-12)  # v as compared, before reset
    assert u.max() > 10 * np.abs(x @ W.T).max()  # accumulation is what makes u large here
    # every value compared with the threshold (normalised by it: 1.0 here), step by step
    np.testing.assert_allclose(np.abs(layer.range.compared), v, rtol=1e-12, atol=1e-12)


def test_the_current_limits_the_scale(calibrated):
    x, layer = calibrated
    u, v = by_hand(x)
    assert u.max() > v.max()
    assert layer.limited_by == "calibrated u"
    state_max = 2**23 - 1  # loihi2's 24-bit signed state; headroom 2 (the default)
    assert layer.scale * u.max() <= state_max / 2 < 2 * layer.scale * u.max()


def test_one_step_of_calibration_data_is_enough():
    """A single step: |u| = |x W^T| and |v| = |u + bias| by hand."""
    x = np.array([[[1.0, 0.0, 1.0, 1.0]]])
    q = quantize(network(), "loihi2", QuantizeOptions(percentile=100.0), calibrate=x)
    u, v = by_hand(x)
    assert q.plan.layers["n"].range.u_abs == pytest.approx(u.max(), rel=1e-12) == 20.0
    assert q.plan.layers["n"].range.v_abs == pytest.approx(v.max(), rel=1e-12) == 19.5


def test_a_delayed_edge_shifts_the_input_by_its_delay():
    """The same network with the synapse's edge delayed by 3 steps: by hand, the input
    of step t is that of step t - 3 (zeros before)."""
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=W))
    g.add("n", CubaLIF(shape=(2,), syn_decay=SYN_DECAY, decay=DECAY, bias=BIAS, threshold=THRESHOLD,
                       reset="subtract"))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc")
    g.connect("fc", "n", 3)
    g.chain("n", "y")
    x = (np.random.default_rng(4).random((2, 30, 4)) < 0.5).astype(float)
    q = quantize(g, "loihi2", QuantizeOptions(percentile=100.0), calibrate=x)
    shifted = np.concatenate([np.zeros((2, 3, 4)), x[:, :-3]], axis=1)
    u, v = by_hand(shifted)
    assert q.plan.layers["n"].range.u_abs == pytest.approx(u.max(), rel=1e-12)
    assert q.plan.layers["n"].range.v_abs == pytest.approx(v.max(), rel=1e-12)


def test_a_leaky_neuron_with_immediate_reset_is_rebuilt_before_its_reset():
    """Recorded v is after the reset; calibration rebuilds v_t = 0.5 v_{t-1} + x_t W^T + 0.1
    (the value compared with the threshold) from it: here by hand."""
    w = np.array([[0.6, 0.3], [0.2, 0.9]])
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=w))
    g.add("n", LIF(shape=(2,), decay=0.5, bias=0.1, threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "n", "y")
    x = (np.random.default_rng(5).random((3, 25, 2)) < 0.6).astype(float)
    v, vs = np.zeros((3, 2)), []
    for t in range(25):
        v = 0.5 * v + x[:, t] @ w.T + 0.1
        vs.append(np.abs(v))
        v = v - (v > 1.0)
    q = quantize(g, "loihi2", QuantizeOptions(percentile=100.0), calibrate=x)
    assert q.plan.layers["n"].range.v_abs == pytest.approx(np.max(vs), rel=1e-12)

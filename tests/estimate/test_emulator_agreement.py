"""Metrics of a fixed-point graph run on the integer emulator equal the emulator's own
activity counters (two independent counts of the same run)."""

import numpy as np
import pytest

from snncompile.estimate.activity import record_activity
from snncompile.estimate.energy import estimate
from snncompile.estimate.metrics import compute_metrics
from snncompile.targets import load_target

emulator = pytest.importorskip("snncompile.emulator")
fixed = pytest.importorskip("snncompile.ir.fixed")


def _fixed_graph(rng):
    b = fixed.FixedGraphBuilder((6,))
    w1 = rng.integers(-60, 120, size=(8, 6)) * (rng.random((8, 6)) < 0.7)
    b.linear(w1, name="fc1")
    b.lif(name="l1", du=4095, dv=400, vth=40)
    b.recurrent(rng.integers(-20, 40, size=(8, 8)) * (rng.random((8, 8)) < 0.5), delay=0)
    b.linear(rng.integers(-50, 90, size=(3, 8)), name="fc2")
    b.lif(name="l2", du=3000, dv=200, vth=30)
    b.output()
    return b.graph


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_equal_emulator_counters(seed):
    rng = np.random.default_rng(seed)
    g = _fixed_graph(rng)
    x = (rng.random((4, 30, 6)) < 0.4).astype(np.int64)
    counted = emulator.emulate(g, x, counters=True).counters
    act = record_activity(g, x, backend="emulator")
    m = compute_metrics(g, act)
    batch = x.shape[0]
    for s in m.synapses:
        assert s.effective_acs * batch == counted[s.name]["synops"].sum(), s.name
        assert s.input_events * batch == counted[s.name]["events"].sum(), s.name
    for n in m.neurons:
        assert n.neuron_updates * batch == counted[n.name]["updates"].sum()
        assert n.spikes * batch == counted[n.name]["spikes"].sum()
    assert m.spikes > 0
    (loihi,) = estimate(m, load_target("loihi"))
    assert loihi.energy_by_term()["synaptic ops"] == pytest.approx(
        23.6e-12 * sum(counted[s.name]["synops"].sum() for s in m.synapses) / batch)

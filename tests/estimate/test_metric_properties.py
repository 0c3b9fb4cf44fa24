"""Invariants between the counts on random dense networks and inputs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncompile.estimate.activity import record_activity
from snncompile.estimate.metrics import compute_metrics
from snncompile.ir import LIF, Graph, Input, Linear, Output, Reset


@st.composite
def cases(draw):
    sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("in", Input(shape=(sizes[0],)))
    prev = "in"
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        w = rng.normal(size=(b, a)) * (rng.random((b, a)) < draw(st.floats(0.2, 1.0)))
        g.add(f"fc{i}", Linear(weight=w * 2))
        g.add(f"n{i}", LIF(shape=(b,), decay=draw(st.floats(0.0, 1.0)), threshold=0.5,
                           reset=draw(st.sampled_from(list(Reset)))))
        g.chain(prev, f"fc{i}", f"n{i}")
        prev = f"n{i}"
    g.add("y", Output(shape=(sizes[-1],)))
    g.connect(prev, "y")
    batch, steps = draw(st.integers(1, 3)), draw(st.integers(1, 8))
    x = (rng.random((batch, steps, sizes[0])) < 0.5).astype(float)
    if draw(st.booleans()):
        x[:, 0] *= 0.5  # an analog first step: MACs
    return g, x


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_count_invariants(case):
    g, x = case
    m = compute_metrics(g, record_activity(g, x))
    for s in m.synapses:
        assert s.effective_acs + s.effective_macs <= s.synaptic_events + 1e-9 <= s.dense + 1e-9
        assert s.synaptic_events == pytest.approx(s.input_events * s.fan_out)  # dense: every input reaches all outputs
        assert s.dense == s.weights * m.steps
    for n in m.neurons:
        assert n.neurons <= n.membrane_updates + 1e-9 and n.membrane_updates <= n.neuron_updates + 1e-9
        assert n.spikes <= n.neuron_updates
    assert 0.0 <= m.activation_sparsity <= 1.0
    assert m.memory.weight_reads == pytest.approx(sum(s.effective_acs + s.effective_macs for s in m.synapses))
    per_step = m.per_step()
    assert per_step["spikes"] * m.steps == pytest.approx(m.spikes)

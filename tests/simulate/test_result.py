"""SimResult says what its series are: spike counts of spiking nodes only, and the time
base (float timeline, or shifted by a compiled graph's pipeline lag)."""

import numpy as np
import pytest

from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.ir.placement import lags
from snncompile.passes.quantize import quantize
from snncompile.simulate import get_backend, simulate
from snncompile.simulate.flush import run_flushed


@pytest.fixture(scope="module")
def network():
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(4,)))
    g.add("fc1", Linear(weight=np.full((5, 4), 0.4)))
    g.add("h", LIF(shape=(5,), decay=0.9))
    g.add("fc2", Linear(weight=np.full((3, 5), 0.5)))
    g.add("o", LIF(shape=(3,), decay=0.9))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "h", "fc2", "o", "y")
    return g


@pytest.fixture(scope="module")
def inputs():
    return (np.random.default_rng(0).random((3, 30, 4)) < 0.5).astype(np.float32)


def test_spike_counts_without_record_count_the_output_layer_by_its_name(network, inputs):
    result = simulate(network, inputs)
    assert result.spiking == {"y": "o"}  # the Output copies the spiking layer 'o'
    assert result.spike_counts() == {"o": int(result.outputs["y"].sum())} and result.spike_counts()["o"] > 0


def test_record_all_counts_spikes_of_spiking_nodes_only(network, inputs):
    result = simulate(network, inputs, record="all")
    counts = result.spike_counts()
    assert set(counts) == {"h", "o"}  # fc1, fc2 carry synaptic currents: no spikes; y copies o
    assert counts["h"] == int(result.recorded["h"].sum()) > 0
    assert counts["o"] == int(result.outputs["y"].sum())
    assert set(result.spike_trains()) == {"h", "o"}
    # rates in Hz: spikes per neuron per step / dt
    assert result.spike_rates()["h"] == pytest.approx(result.recorded["h"].mean() / 1e-3)


def test_integer_backend_counters_give_counts_of_unrecorded_neurons(network, inputs):
    fixed = quantize(network, "loihi2").fixed
    result = get_backend("emulator").run(fixed, inputs.astype(np.int8), counters=True)
    counts = result.spike_counts()
    assert {"h", "o"} <= set(counts) and not set(counts) & {"fc1", "fc2"}
    recorded = get_backend("emulator").run(fixed, inputs.astype(np.int8), record=["h"])
    assert counts["h"] == int(recorded.recorded["h"].sum())


def test_float_result_states_its_time_base(network, inputs):
    result = simulate(network, inputs)
    assert result.on_float_timeline and result.shifted_by == {}
    assert result.time_base == "steps of dt=0.001 s, on the float timeline"
    assert "on the float timeline" in repr(result) and "backend='reference'" in repr(result)


def test_compiled_run_says_it_is_shifted_by_the_latency_and_flushing_aligns_it(network, inputs):
    fixed = quantize(network, "loihi2").fixed
    emulate = get_backend("emulator")
    lag = lags(fixed)["y"]
    assert lag > 0
    raw = emulate(fixed, inputs, record=["h"])
    assert not raw.on_float_timeline and raw.shifted_by["y"] == lag and raw.shifted_by["h"] == lags(fixed)["h"]
    assert f"shifted by the chip's latency (y by {lag} steps" in raw.time_base and raw.time_base in repr(raw)
    flushed, extra = run_flushed(emulate, fixed, 30, inputs=inputs, record=["h"])
    assert extra == max(lags(fixed).values()) and flushed.on_float_timeline
    assert np.array_equal(flushed.outputs["y"][:, : 30 - lag], raw.outputs["y"][:, lag:])


def test_accuracy_decides_by_the_readout_named():
    """The hand case whose first spike and spike count disagree (tests/readout_cases.py)
    as outputs, labels 1, 0, 1: count decides 0, 0, 0 (1/3), first spike 1, 0, none (2/3)."""
    from snncompile.errors import InputError
    from snncompile.simulate import accuracy
    from tests.readout_cases import disagreeing_inputs

    out, labels = disagreeing_inputs(), np.array([1, 0, 1])
    assert accuracy(out, labels) == accuracy(out, labels, "count") == pytest.approx(1 / 3)
    assert accuracy(out, labels, "first-spike") == pytest.approx(2 / 3)
    with pytest.raises(InputError, match="readout='rmse' is a regression"):
        accuracy(out, labels, "rmse")

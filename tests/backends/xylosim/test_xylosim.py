"""The emulator against SynSense's own simulator of the Xylo core (xylosim 0.1.3, driven
through Rockpool 3.1.0's ``rockpool.devices.xylo.syns61201.XyloSim``): random networks
within Xylo Audio 2's limits, a compiled float RNN, and the cases where the order of
saturating events decides the result. The full sweep is ``python -m
benchmarks.differential_xylo``."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from snncompile.backends.xylosim import plan_xylo
from snncompile.emulator import emulate
from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import CubaLIF, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedGraphBuilder, FixedLIF, FixedLinear
from snncompile.simulate import get_backend
from snncompile.testing.fixed_graphs import compare_runs
from snncompile.testing.xylo_graphs import NEURON, SYNAPSE, xylo_cases

pytest.importorskip("xylosim")
pytest.importorskip("rockpool")

RECORD = dict(record="neurons", membranes="neurons", currents="neurons")


def xylosim(graph, x, **kw):
    return get_backend("xylosim")(graph, x, **kw)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(xylo_cases(max_steps=30, max_hidden=16))
def test_random_xylo_networks_equal_xylosim(case):
    emu = emulate(case.graph, case.inputs, **RECORD)
    assert compare_runs(emu, xylosim(case.graph, case.inputs, **RECORD), case.graph) == [], case.description


def _one_neuron(weights_in, dash_syn=1, vth=30000, bias=0):
    """input (len(weights_in) channels) -> one hidden neuron -> one output neuron."""
    g = Graph(dt=1e-3)
    g.add("input", Input(shape=(len(weights_in),)))
    g.add("in", FixedLinear(weight=np.array([weights_in]), weight_exp=8, num_message_bits=4, max_payload=15,
                            **SYNAPSE))
    g.add("h", FixedLIF(shape=(1,), du=dash_syn, dv=15, vth=vth, bias_mant=np.array(bias), max_spikes=31, **NEURON))
    g.add("out", FixedLinear(weight=np.array([[1]]), num_message_bits=5, max_payload=31, **SYNAPSE))
    g.add("o", FixedLIF(shape=(1,), du=1, dv=1, vth=1, max_spikes=1, **NEURON))
    g.add("output", Output(shape=(1,)))
    g.chain("input", "in", "h")
    g.connect("h", "out")
    g.connect("out", "o", delay=1)
    g.connect("o", "output")
    return g


def test_saturating_events_are_applied_in_channel_order():
    """Events +127, +127, -128, -128 (<< 8) one at a time: 32512, 32767 (saturated), -1,
    -32768 (saturated), then the decay by a shift of 15 moves it by one: -32767. Summed
    first they would give -512 and then -511."""
    g = _one_neuron([127, 127, -128, -128], dash_syn=15)
    x = np.array([[[1, 1, 1, 1]]])
    emu, xs = emulate(g, x, **RECORD), xylosim(g, x, **RECORD)
    assert compare_runs(emu, xs, g) == []
    assert emu.currents["h"][0, 0, 0] == xs.currents["h"][0, 0, 0] == -32767


def test_input_counts_above_fifteen_count_as_fifteen():
    g = _one_neuron([1, 2], vth=5)
    x = np.array([[[20, 3], [15, 0], [7, 40]]])
    emu, xs = emulate(g, x, **RECORD), xylosim(g, x, **RECORD)
    assert compare_runs(emu, xs, g) == []
    clipped = emulate(g, np.minimum(x, 15), **RECORD)
    assert compare_runs(emu, clipped, g) == [] and emu.recorded["h"].max() > 1  # several spikes per step


def test_compiled_float_rnn_runs_the_same_integers_on_xylosim():
    from snncompile.compile import build_artifact

    rng = np.random.default_rng(1)
    g = Graph(dt=1e-3)
    g.add("input", Input(shape=(6,)))
    g.add("fc1", Linear(weight=rng.normal(0.4, 0.5, (10, 6))))
    g.add("hid", CubaLIF(shape=(10,), syn_decay=0.6, decay=0.9, threshold=1.0, reset="subtract"))
    g.add("rec", Linear(weight=rng.normal(0, 0.3, (10, 10))))
    g.add("fc2", Linear(weight=rng.normal(0.3, 0.5, (3, 10))))
    g.add("out", CubaLIF(shape=(3,), syn_decay=0.6, decay=0.9, threshold=1.0, reset="subtract"))
    g.add("output", Output(shape=(3,)))
    g.chain("input", "fc1", "hid", "fc2", "out", "output")
    g.connect("hid", "rec")
    g.connect("rec", "hid", delay=1)
    fixed = build_artifact(g, "xylo-audio2").fixed
    x = (rng.random((3, 40, 6)) < 0.4).astype(np.int64)
    emu, xs = emulate(fixed, x, **RECORD), xylosim(fixed, x, **RECORD)
    assert emu.recorded["hid"].sum() > 0 and emu.output().sum() > 0
    assert compare_runs(emu, xs, fixed) == []


def test_every_node_xylo_cannot_run_is_listed_at_once():
    b = FixedGraphBuilder((3,))  # Lava's arithmetic
    b.linear(np.ones((2, 3), int))
    b.lif(du=10, dv=20, vth=3)
    b.recurrent(np.ones((2, 2), int), delay=2)
    b.output()
    plan, problems = plan_xylo(b.graph)
    assert plan is None
    assert set(problems) >= {"fc1", "lif2", "rec3"}
    assert "decay_encoding=multiply (Xylo: shift)" in problems["lif2"]
    assert "events saturate at 16 bits" in problems["fc1"]
    with pytest.raises(UnsupportedError, match="cannot run 3 node"):
        xylosim(b.graph, np.zeros((1, 4, 3)))


def test_inputs_must_be_spike_counts_and_only_neurons_are_recorded():
    g = _one_neuron([1, 2])
    with pytest.raises(InputError, match="spike counts 0..255"):
        xylosim(g, np.array([[[-1, 0]]]))
    with pytest.raises(UnsupportedError, match="records neuron populations only"):
        xylosim(g, np.zeros((1, 3, 2), int), record="all")


#: the Braille RNN compiled for xylo-audio2, braille7_fold0 (docs/neuromorphic-targets.md shows it)
BRAILLE_ACCURACY = 0.8429


def test_the_nir_papers_braille_rnn_compiled_for_xylo_runs_the_same_on_xylosim():
    """The subtract-reset Braille RNN (snnTorch, delayed reset) compiled for Xylo Audio 2:
    XyloSim gives the emulator's spikes, currents and membranes; the accuracy on
    braille7_fold0 (280 samples) is 0.8429 on both (docs/neuromorphic-targets.md; the paper's Xylo figure
    on its 140-sample test set is 0.857)."""
    from pathlib import Path

    from snncompile.api import ModelOptions, load_model
    from snncompile.compile import build_artifact
    from snncompile.simulate import accuracy

    data = Path(__file__).parents[2] / "data"
    graph = load_model(str(data / "nir_paper/03_rnn/braille_noDelay_noBias_subtract.nir"),
                       ModelOptions(reset="subtract", reset_timing="delayed"))
    with np.load(data / "braille/braille7_fold0.npz") as d:
        x, y = d["spikes"].astype(np.int64), d["labels"]
    art = build_artifact(graph, "xylo-audio2")
    lag = art.lags[art.fixed.outputs[0]]
    steps = x.shape[1] + lag
    emu = emulate(art.fixed, x, steps=steps)
    assert accuracy(emu.output()[:, lag:], y) == pytest.approx(BRAILLE_ACCURACY, abs=5e-5)
    some = x[::7]  # 40 samples of every class
    emu, xs = emulate(art.fixed, some, steps=steps, **RECORD), xylosim(art.fixed, some, steps=steps, **RECORD)
    assert emu.recorded["lif1.lif"].max() > 1  # hidden neurons send several spikes in a step
    assert compare_runs(emu, xs, art.fixed) == []


def test_a_float_model_or_another_targets_graph_is_refused_with_the_way_out():
    from snncompile.compile import build_artifact

    g = Graph(dt=1e-3)
    g.add("input", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("n", CubaLIF(shape=(2,), syn_decay=0.5, decay=0.9, threshold=1.0, reset="subtract"))
    g.add("output", Output(shape=(2,)))
    g.chain("input", "fc", "n", "output")
    with pytest.raises(UnsupportedError, match="this is a float model: compile it first \\(snncompile compile MODEL "
                                               "--target xylo-audio2"):
        xylosim(g, np.zeros((1, 3, 2), int))
    loihi2 = build_artifact(g, "loihi2").fixed
    with pytest.raises(UnsupportedError) as exc:
        xylosim(loihi2, np.zeros((1, 3, 2), int))
    assert "'n' (FixedLIF): decay_encoding=multiply (Xylo: shift)" in str(exc.value)
    assert str(exc.value).endswith("(a graph compiled for xylo-audio2 runs on XyloSim: snncompile compile MODEL "
                                   "--target xylo-audio2)")

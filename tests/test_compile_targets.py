"""``compile`` for every shipped neuromorphic target: each gets its own arithmetic from
its descriptor (no target-specific code), the compiled graph runs in the emulator, and
what a descriptor only assumes is said in the report."""

import numpy as np
import pytest

from snncompile.compile import build_artifact
from snncompile.emulator import emulate
from snncompile.errors import SnnCompileError
from snncompile.ir import IF, LIF, Conv2d, CubaLIF, Flatten, Graph, Input, Linear, Output
from snncompile.ir.arithmetic import DecayEncoding, Overflow
from snncompile.ir.fixed import FixedLIF, FixedSynapse
from snncompile.mapping import MappingError

RNG = np.random.default_rng(4)


def rnn(reset="subtract"):
    """6 inputs -> 12 recurrent CubaLIF -> 3 CubaLIF outputs (fits Xylo)."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=RNG.normal(0.4, 0.5, (12, 6))))
    g.add("hid", CubaLIF(shape=(12,), syn_decay=0.6, decay=0.9, threshold=1.0, reset=reset))
    g.add("rec", Linear(weight=RNG.normal(0, 0.3, (12, 12))))
    g.add("fc2", Linear(weight=RNG.normal(0.3, 0.5, (3, 12))))
    g.add("out", CubaLIF(shape=(3,), syn_decay=0.6, decay=0.9, threshold=1.0, reset=reset))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "hid", "fc2", "out", "y")
    g.connect("hid", "rec")
    g.connect("rec", "hid", delay=1)
    return g


def lif_net():
    """Zero-reset LIF layers (Loihi's Lava LIF resets to zero)."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=RNG.normal(0.5, 0.5, (10, 6))))
    g.add("hid", LIF(shape=(10,), decay=0.9, threshold=1.0))
    g.add("fc2", Linear(weight=RNG.normal(0.4, 0.5, (3, 10))))
    g.add("out", LIF(shape=(3,), decay=0.9, threshold=1.0))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "hid", "fc2", "out", "y")
    return g


def ternary_if_net():
    """IF neurons whose weights take at most 4 values per neuron (TrueNorth's axon types)."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(8,)))
    g.add("fc1", Linear(weight=RNG.choice([-0.5, 0.0, 0.5, 1.0], (10, 8))))
    g.add("hid", IF(shape=(10,), threshold=1.0, reset="subtract"))
    g.add("fc2", Linear(weight=RNG.choice([-0.5, 0.0, 0.75], (3, 10))))
    g.add("out", IF(shape=(3,), threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "hid", "fc2", "out", "y")
    return g


def conv_if_net():
    """A small spiking CNN of IF neurons (what Speck's DYNAP-CNN cores run)."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2, 8, 8)))
    g.add("c1", Conv2d(weight=RNG.normal(0.3, 0.4, (4, 2, 3, 3)), padding=1))
    g.add("n1", IF(shape=(4, 8, 8), threshold=1.0, reset="subtract"))
    g.add("c2", Conv2d(weight=RNG.normal(0.2, 0.4, (4, 4, 3, 3)), stride=2, padding=1))
    g.add("n2", IF(shape=(4, 4, 4), threshold=1.0, reset="subtract"))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=RNG.normal(0.1, 0.2, (5, 64))))
    g.add("n3", IF(shape=(5,), threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "c1", "n1", "c2", "n2", "flat", "fc", "n3", "y")
    return g


CASES = {"loihi": lif_net, "loihi2": rnn, "xylo-audio2": rnn, "spinnaker2": rnn, "speck": conv_if_net,
         "truenorth": ternary_if_net}
#: targets whose integer arithmetic is (partly) assumed in their descriptor
ASSUMED = {"speck", "truenorth", "spinnaker2"}


@pytest.mark.parametrize("target", sorted(CASES))
def test_every_target_compiles_its_own_arithmetic(target):
    art = build_artifact(CASES[target](), target)
    spec = art.target["spec"]
    lifs = [n for n in art.fixed.nodes.values() if isinstance(n, FixedLIF)]
    synapses = [n for n in art.fixed.nodes.values() if isinstance(n, FixedSynapse)]
    assert lifs and synapses
    for node in lifs:  # every neuron carries the descriptor's arithmetic, not a default
        assert node.decay_encoding.value == spec["decay_encoding"]
        assert node.state_bits == spec["v_bits"] and node.current_overflow.value == spec["u_overflow"]
        assert node.comparator.value in spec["comparators"]
    for node in synapses:
        assert node.weight_bits == spec["weight_mantissa_bits"]
        assert spec["weight_exp_min"] <= node.weight_exp <= spec["weight_exp_max"]
    x = (RNG.random((2, 30, *art.fixed.nodes["x"].shape)) < 0.4).astype(np.int64)
    run = emulate(art.fixed, x, record="neurons")
    assert all(r.sum() > 0 for r in run.recorded.values()), {n: int(r.sum()) for n, r in run.recorded.items()}
    assumed = [n for n in art.report.notes if "arithmetic assumed, not published" in n]
    assert bool(assumed) == (target in ASSUMED)


def test_xylo_arithmetic_comes_from_its_descriptor():
    fixed = build_artifact(rnn(), "xylo-audio2").fixed
    hid, out = fixed.nodes["hid"], fixed.nodes["out"]
    assert hid.decay_encoding is DecayEncoding.SHIFT and hid.current_overflow is Overflow.SATURATE
    assert (hid.max_spikes, out.max_spikes) == (31, 1)
    assert fixed.nodes["fc1"].max_payload == 15 and fixed.nodes["rec"].num_message_bits == 5
    # input spikes arrive within the step, hidden spikes one step later
    assert {(e.src, e.dst): e.delay for e in fixed.edges if e.dst in ("hid", "out")} == {
        ("fc1", "hid"): 0, ("rec", "hid"): 1, ("fc2", "out"): 1}


def test_a_network_that_does_not_fit_lists_every_violation():
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(20,)))
    g.add("fc1", Linear(weight=np.ones((1200, 20))))
    g.add("hid", LIF(shape=(1200,), decay=0.9))
    g.add("fc2", Linear(weight=np.ones((10, 1200))))
    g.add("out", LIF(shape=(10,), decay=0.9))
    g.add("y", Output(shape=(10,)))
    g.chain("x", "fc1", "hid", "fc2", "out", "y")
    with pytest.raises(MappingError) as info:
        build_artifact(g, "xylo-audio2")
    found = {(v.rule, v.node) for v in info.value.violations}
    assert found >= {("input channels", "(inputs)"), ("hidden neurons", "(hidden)"), ("output neurons", "(outputs)"),
                     ("reset mode", "hid"), ("reset mode", "out")}
    assert "\n" not in str(info.value) and str(info.value).startswith("network does not fit xylo-audio2: ")


def test_integrate_and_fire_cores_refuse_a_leak_by_name():
    from snncompile.passes.quantize import quantize

    g = ternary_if_net()
    g.nodes["hid"] = LIF(shape=(10,), decay=0.8, threshold=1.0, reset="subtract")
    with pytest.raises(SnnCompileError, match="neuron 'hid': membrane decay 0.8; the target's neurons do not leak"):
        quantize(g, "truenorth")  # all on the chip; compile would place the LIF on the host
    art = build_artifact(g, "truenorth")
    assert "truenorth's neuron model has no LIF" in art.partition.host_nodes["hid"]


def test_a_network_no_neuron_of_which_runs_on_the_chip_is_refused_with_what_map_finds():
    with pytest.raises(MappingError) as info:
        build_artifact(rnn(), "speck")  # CubaLIF and recurrence: nothing would run on Speck
    found = {(v.rule, v.node) for v in info.value.violations}
    assert found == {("neuron model", "hid"), ("neuron model", "out"), ("recurrence", "hid"),
                     ("one synapse node per core", "hid")}
    assert "neuron model at hid: CubaLIF (limit if; IF neurons only: train without leak" in str(info.value)
    with pytest.raises(MappingError, match="weights per neuron \\(axon types\\) at hid: 12 distinct values"):
        build_artifact(rnn(), "truenorth")


def test_a_refusal_of_a_mixed_network_says_which_nodes_the_host_would_run():
    with pytest.raises(MappingError) as info:
        build_artifact(conv_if_net(), "xylo-audio2")  # no conv on Xylo: both convolutions go to the host
    assert [(v.rule, v.actual, v.limit) for v in info.value.violations] == [("input channels", "320", "16")]
    assert str(info.value).endswith("(mapped: the part that runs on the chip; on the host: 'c1' (xylo-audio2 has "
                                    "no conv2d synapses), 'c2' (xylo-audio2 has no conv2d synapses))")


def test_the_nir_papers_cnn_compiles_for_speck_as_map_places_it():
    """The NIR paper's sinabs IF CNN (N-MNIST; its data is not here) fits Speck as
    written (`map`: 5 cores; Speck pools within a layer), so compile checks that graph, not
    the one whose pools a lowering pass folded into the next synapse. On random events its
    compiled hidden layers spike within 3% of the float reference's counts (thousands of
    spikes each), the 10 output neurons within 20% (a few dozen spikes)."""
    from pathlib import Path

    from snncompile.api import ModelOptions, load_model
    from snncompile.simulate import simulate

    graph = load_model(str(Path(__file__).parent / "data/nir_paper/02_cnn/cnn_sinabs.nir"), ModelOptions())
    x = (np.random.default_rng(0).random((4, 30, 2, 34, 34)) < 0.05).astype(np.int64)
    art = build_artifact(graph, "speck", calibrate=x[:2].astype(float))
    assert art.partition.host_nodes == {} and art.lags[art.fixed.outputs[0]] == 0  # asynchronous: no lag
    emu, ref = emulate(art.fixed, x, record="neurons"), simulate(graph, x.astype(float), record="neurons")
    assert set(emu.recorded) == {"1", "3", "6", "10", "12"}
    for name, spikes in emu.recorded.items():
        assert spikes.sum() == pytest.approx(ref.recorded[name].sum(), rel=0.2 if name == "12" else 0.03), name

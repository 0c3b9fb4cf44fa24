"""partition: every node chip or host, for a reason, in connected segments."""

import numpy as np

from snncompile.ir import LI, Graph, Input, Linear, Output
from snncompile.ir.placement import Placement, crossings, placement_of, segments
from snncompile.passes.partition import Capabilities, partition
from snncompile.targets import load_target
from snncompile.testing.mixed_graphs import float_attention, float_ternary

LOIHI2 = Capabilities.of(load_target("loihi2"))


def test_capabilities_come_from_the_targets_features():
    assert {"LIF", "CubaLIF", "LI"} <= LOIHI2.neuron_kinds
    assert LOIHI2.synapse_operators == {"linear", "conv1d", "conv2d"}
    xylo = Capabilities.of(load_target("xylo-audio2"))
    assert "conv2d" not in xylo.synapse_operators


def test_attention_product_runs_on_the_host_and_the_spiking_layers_on_the_chip():
    p = partition(float_attention(), LOIHI2)
    where = {n: placement_of(node) for n, node in p.graph.items()}
    assert {n for n, w in where.items() if w is Placement.HOST} == {"qk", "s"}
    assert "reassociate" in p.host_reasons["qk"] and "scaling" in p.host_reasons["s"]
    segs = segments(p.graph)
    assert segs == {"chip0": ["x", "q.w", "q", "k.w", "k"], "host0": ["qk", "s"],
                    "chip1": ["attn", "o.w", "out", "y"]}
    assert {(e.src, e.dst) for e in crossings(p.graph)} == {("q", "qk"), ("k", "qk"), ("s", "attn")}


def test_a_synapse_fed_by_host_values_or_feeding_a_host_node_goes_to_the_host():
    g = float_attention()
    g.edges = [e for e in g.edges if not (e.src == "s" and e.dst == "attn")]
    g.add("mix", Linear(weight=np.eye(4)))
    g.chain("s", "mix", "attn")
    p = partition(g, LOIHI2)
    assert "comes from host node 's'" in p.host_reasons["mix"]
    g2 = float_attention()
    g2.add("read", Linear(weight=np.ones((3, 4))))
    g2.add("y2", Output(shape=(4, 3)))
    g2.chain("q", "read", "y2")
    p2 = partition(g2, LOIHI2)
    assert "not a chip neuron" in p2.host_reasons["read"] and "comes from the host" in p2.host_reasons["y2"]


def test_a_readout_feeding_anything_but_outputs_runs_on_the_host():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("w", Linear(weight=np.ones((2, 3))))
    g.add("li", LI(shape=(2,), decay=0.9))
    g.add("w2", Linear(weight=np.ones((2, 2))))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "w", "li", "w2", "y")
    p = partition(g.validate(), LOIHI2)
    assert "membrane readout" in p.host_reasons["li"]
    # and then its synapse (it feeds a host neuron) and the input only it reads
    assert "not a chip neuron" in p.host_reasons["w"] and "only on the host" in p.host_reasons["x"]
    assert set(p.host_reasons) == {"x", "w", "li", "w2", "y"}


def test_per_synapse_delays_stay_on_chip_only_where_the_target_has_delays():
    from snncompile.ir import LIF

    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=np.ones((3, 4)), delays=np.arange(12).reshape(3, 4) % 4))
    g.add("n", LIF(shape=(3,), decay=0.5, threshold=1.0))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc", "n", "y")
    assert LOIHI2.delays and partition(g, LOIHI2).host_reasons == {}
    speck = Capabilities.of(load_target("speck"))
    assert not speck.delays
    assert "no programmable synaptic delays" in partition(g, speck).host_reasons["fc"]


def test_a_recurrence_stays_on_a_target_whose_synapses_add_no_step():
    """Two neurons in a loop closed by one step of delay lag on Loihi (each synapse stage
    adds a step) but not in the generated C of an MCU (synapse_latency 0)."""
    from snncompile.ir import LIF

    g = Graph()
    g.add("x", Input(shape=(2,)))
    for name in ("w1", "w2", "back"):
        g.add(name, Linear(weight=np.eye(2)))
    g.add("a", LIF(shape=(2,)))
    g.add("b", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "w1", "a", "w2", "b", "y")
    g.connect("b", "back", 1)
    g.connect("back", "a")
    g.validate()
    mcu = Capabilities.of(load_target("cortex-m4"))
    assert mcu.synapse_latency == 0 and LOIHI2.synapse_latency == 1
    assert {"a", "b"} <= set(partition(g, LOIHI2).host_reasons)
    assert partition(g, mcu).host_reasons == {}


def test_every_host_operation_says_why_it_runs_on_the_host():
    from snncompile.ir import NODE_TYPES
    from snncompile.ir.stage import Stage
    from snncompile.passes.partition import HOST_REASONS

    host_kinds = {kind for kind, cls in NODE_TYPES.items() if cls.stage is Stage.HOST and kind != "Quantize"}
    assert host_kinds - set(HOST_REASONS) == set()


def test_placement_does_not_depend_on_string_hashing():
    """The L2MU's loops share neurons, so which go to the host depends on the order the
    cycles are examined in; networkx's order follows PYTHONHASHSEED: two processes with
    different seeds must place every node alike."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json; from snncompile.zoo.models import zoo_graph; from snncompile.passes.partition import "
            "Capabilities, partition; from snncompile.targets import load_target; "
            "p = partition(zoo_graph('l2mu'), Capabilities.of(load_target('loihi2'))); "
            "print(json.dumps(sorted(p.host_reasons)))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")]
    placements = [json.loads(out.strip().splitlines()[-1]) for out in runs]
    assert placements[0] == placements[1] == placements[2] and placements[0]


def test_small_integer_host_values_feed_chip_synapses_where_spikes_are_graded():
    p = partition(float_ternary(), LOIHI2)
    assert placement_of(p.graph.nodes["fc"]) is Placement.CHIP and set(p.host_reasons) == {"e", "sign", "t"}
    # Loihi's spikes are binary: the ternary values cannot cross, the synapse stays on the host
    loihi = partition(float_ternary(), Capabilities.of(load_target("loihi")))
    assert "comes from host node 't' (Mul)" in loihi.host_reasons["fc"]


def test_a_host_neurons_synapses_stay_with_it():
    # the L2MU: m runs on the host (a loop too fast for the chip); W_m's float sum enters h
    # through an entry, finer than W_m's weights would be on the chip
    from snncompile.zoo.l2mu import WEIGHTS, load_l2mu

    p = partition(load_l2mu(WEIGHTS), LOIHI2)
    assert {"u", "m", "W_m"} <= set(p.host_reasons) and "h" not in p.host_reasons

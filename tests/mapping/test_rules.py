"""Networks that do not fit list every violation; ones that fit are placed as computed
by hand."""

import numpy as np
import pytest

from snncompile.ir import IF, LIF, Conv2d, Flatten, Graph, Input, Linear, Output, Reset
from snncompile.mapping import MappingError, map_graph
from snncompile.targets import load_target


def dense_net(sizes, neuron=LIF, recurrent=False, bias=False, reset=Reset.SUBTRACT, density=1.0):
    rng = np.random.default_rng(0)
    g = Graph()
    g.add("in", Input(shape=(sizes[0],)))
    prev = "in"
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        w = rng.normal(size=(b, a)) * (rng.random((b, a)) < density)
        g.add(f"fc{i}", Linear(weight=w, bias=np.ones(b) if bias else None))
        g.add(f"n{i}", neuron(shape=(b,), reset=reset, **({"decay": 0.9} if neuron is LIF else {})))
        g.connect(prev, f"fc{i}")
        g.connect(f"fc{i}", f"n{i}")
        if recurrent and i == 0:
            g.add("rec", Linear(weight=rng.normal(size=(b, b))))
            g.connect("n0", "rec", delay=1)
            g.connect("rec", "n0")
        prev = f"n{i}"
    g.add("y", Output(shape=(sizes[-1],)))
    g.connect(prev, "y")
    return g


def rules_of(placement):
    return sorted((v.rule, v.node) for v in placement.violations)


def test_xylo_lists_every_violation():
    g = dense_net([20, 1200, 10], bias=True, reset=Reset.ZERO)
    with pytest.raises(MappingError) as info:
        map_graph(g, load_target("xylo-audio2"))
    found = {(v.rule, v.node) for v in info.value.violations}
    assert found == {
        ("input channels", "(inputs)"), ("hidden neurons", "(hidden)"),
        ("output neurons", "(outputs)"),
        ("reset mode", "n0"), ("reset mode", "n1"),
    }  # Xylo has a bias register (xylosim 0.1.3, Rockpool 3.1.0): biases are no violation
    by_rule = {v.rule: v for v in info.value.violations}
    assert by_rule["hidden neurons"].actual == "1200" and by_rule["hidden neurons"].limit == "1000"
    message = str(info.value)
    assert message.splitlines()[0] == "network does not fit xylo-audio2: 5 violations"
    assert "rule" in message.splitlines()[1] and "hint" in message.splitlines()[1]


def test_xylo_fan_out_over_64():
    g = dense_net([16, 100, 8], reset=Reset.SUBTRACT)  # each input channel reaches 100
    p = map_graph(g, load_target("xylo-audio2"), strict=False)
    assert ("fan-out per neuron", "n0") not in rules_of(p)  # hidden -> 8 outputs
    fan = [v for v in p.violations if v.rule == "fan-out per neuron"]
    assert fan == []  # the input layer is not a neuron layer of the chip
    g2 = dense_net([16, 100, 80, 8], reset=Reset.SUBTRACT)  # n0 neurons reach 80 > 64
    p2 = map_graph(g2, load_target("xylo-audio2"), strict=False)
    assert ("fan-out per neuron", "n0") in rules_of(p2)
    assert any(v.hint.startswith("prune 'n0' to <= 64") for v in p2.violations)


def test_speck_lists_every_violation():
    g = Graph()
    g.add("in", Input(shape=(2, 64, 64)))
    g.add("conv", Conv2d(weight=np.ones((64, 2, 3, 3)), padding=1, stride=3))
    g.add("c0", LIF(shape=(64, 22, 22), decay=0.9))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=np.ones((10, 64 * 22 * 22))))
    g.add("n1", IF(shape=(10,)))
    g.add("fc2", Linear(weight=np.ones((10, 10))))
    g.add("n", IF(shape=(10,)))
    g.add("rec", Linear(weight=np.eye(10)))
    g.add("y", Output(shape=(10,)))
    g.chain("in", "conv", "c0", "flat", "fc", "n1", "fc2", "n", "y")
    g.connect("n", "rec", delay=1)
    g.connect("rec", "n")
    p = map_graph(g, load_target("speck"), strict=False)
    found = rules_of(p)
    assert ("neuron model", "c0") in found  # leaky: Speck is IAF only
    assert ("stride", "conv") in found  # 3 is not 1/2/4/8
    assert ("kernel size", "fc") in found  # a dense layer over 64x22x22 is a 22x22 kernel
    assert ("Speck core memory", "n1") in found  # kernel memory 64 * 2^(9 + 4) = 512 Ki
    assert ("recurrence", "n") in found
    assert ("one synapse node per core", "n") in found  # fc + rec both feed n
    # conv: neuron memory 64 * 2^(5 + 5) = 65536 fits cores 0-2
    assert ("Speck core memory", "c0") not in found


def test_speck_core_memory_and_assignment():
    g = Graph()
    g.add("in", Input(shape=(2, 128, 128)))
    g.add("conv", Conv2d(weight=np.ones((8, 2, 3, 3)), padding=1))
    g.add("c0", IF(shape=(8, 128, 128)))
    g.add("f", Flatten())
    g.add("y", Output(shape=(8 * 128 * 128,)))
    g.chain("in", "conv", "c0", "f", "y")
    p = map_graph(g, load_target("speck"), strict=False)
    (v,) = p.violations
    assert v.rule == "Speck core memory" and v.actual == "kernel 256, neuron 131072 entries"
    g.nodes["in"] = Input(shape=(2, 64, 64))
    g.nodes["c0"] = IF(shape=(8, 64, 64))
    g.nodes["y"] = Output(shape=(8 * 64 * 64,))
    p = map_graph(g, load_target("speck"))
    (core,) = p.cores
    assert core.neuron_entries == 8 * 64 * 64 and core.index in (0, 1, 2)


def test_loihi_splits_large_layers_and_packs_small_ones():
    g = dense_net([100, 3000, 10, 10], neuron=LIF, reset=Reset.ZERO)
    p = map_graph(g, load_target("loihi"))
    # 3000 neurons > 1024 per core: 3 slices of 1000. n1 (10 x 3000 x 9 bit = 33750 B)
    # does not fit beside a slice (112500 B); n2 (10 x 10 x 9 bit) packs onto core 0
    rows = p.core_rows()
    assert [r["neurons"] for r in rows] == [1010, 1000, 1000, 10]
    assert rows[0]["layers"] == "n0[0:1000], n2[0:10]" and rows[3]["layers"] == "n1[0:10]"
    assert rows[0]["memory_bytes"] == 1000 * 113 + 10 * 12  # ceil(100 x 9 / 8), ceil(10 x 9 / 8) B per neuron
    assert (rows[0]["fan_in"], rows[3]["fan_in"]) == (100 + 10, 3000)
    assert rows[0]["fan_out"] == 1000  # each n0 neuron sends one edge to n1's core


def test_loihi_fan_in_memory_and_cores_all_reported():
    g = dense_net([5000, 200, 300], neuron=LIF, reset=Reset.ZERO)
    p = map_graph(g, load_target("loihi"), weight_bits=16, strict=False)
    found = rules_of(p)
    assert ("input axons per core", "n0") in found  # 5000 inputs > 4096 axons
    assert ("weight bits", "(network)") in found
    g2 = dense_net([4000, 2100, 10], neuron=LIF, reset=Reset.ZERO)
    p2 = map_graph(g2, load_target("loihi"), weight_bits=16, strict=False)
    (cores,) = [v for v in p2.violations if v.rule == "cores"]
    # 4000 x 16 bit = 8000 B per neuron -> 16 per 128 KiB core -> 132 slices of n0;
    # n1 needs 10 x 2100 x 2 B = 42000 B, more than any n0 core has left -> 133 cores
    assert cores.actual == "133 cores" and cores.limit == "128 cores"
    assert ("core memory per neuron", "n1") not in rules_of(p2)


def test_core_memory_hint_names_the_bits_that_fit():
    g = dense_net([200000, 4, 2], neuron=LIF, reset=Reset.ZERO)
    p = map_graph(g, load_target("loihi"), strict=False)
    (v,) = [v for v in p.violations if v.rule == "core memory per neuron"]
    assert v.hint == "reduce weight bits to 5"  # 131072 B * 8 / 200000 inputs = 5.2 bits


def test_truenorth_axon_types_and_core_axons():
    g = dense_net([300, 10, 4], neuron=LIF, reset=Reset.ZERO)
    p = map_graph(g, load_target("truenorth"), strict=False)
    found = rules_of(p)
    assert ("input axons per core", "n0") in found  # 300 inputs > 256 axons
    assert ("weights per neuron (axon types)", "n0") in found  # random floats: 300 levels
    ternary = dense_net([100, 10, 4], neuron=LIF, reset=Reset.ZERO)
    for name in ("fc0", "fc1"):
        w = ternary.nodes[name].weight
        ternary.nodes[name] = Linear(weight=np.sign(w) * 0.5)
    assert ("weights per neuron (axon types)", "n0") not in rules_of(
        map_graph(ternary, load_target("truenorth"), strict=False))


def test_per_synapse_delays_are_checked_like_edge_delays():
    g = dense_net([8, 16, 4], reset=Reset.ZERO)
    g.nodes["fc0"] = g.nodes["fc0"].replace(delays=np.full((16, 8), 20))
    p = map_graph(g, load_target("truenorth"), strict=False)
    (v,) = [v for v in p.violations if v.rule == "synaptic delay"]
    assert (v.node, v.actual, v.limit) == ("n0", "20 steps", "15 steps")
    assert ("synaptic delays", "n0") in rules_of(map_graph(g, load_target("xylo-audio2"), strict=False))

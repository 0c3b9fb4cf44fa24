"""partition: every node chip or host, for a reason, in connected segments."""

import numpy as np

from snncompile.ir import LI, Graph, Input, Linear, Output
from snncompile.ir.placement import Placement, crossings, placement_of, segments
from snncompile.passes.partition import Capabilities, partition
from snncompile.targets import load_target
from snncompile.testing.mixed_graphs import float_attention

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


def test_every_host_operation_says_why_it_runs_on_the_host():
    from snncompile.ir import NODE_TYPES
    from snncompile.ir.stage import Stage
    from snncompile.passes.partition import HOST_REASONS

    host_kinds = {kind for kind, cls in NODE_TYPES.items() if cls.stage is Stage.HOST and kind != "Quantize"}
    assert host_kinds - set(HOST_REASONS) == set()

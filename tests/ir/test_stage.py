"""Stages are declared on the node classes, once; graphs are classified by them."""

import numpy as np

from snncompile.ir import NODE_TYPES, Graph, Input, Linear, Output, Stage
from snncompile.ir.fixed import FixedGraphBuilder
from snncompile.ir.stage import is_float_graph, is_integer, is_integer_graph


def test_every_node_kind_declares_its_stage():
    by_stage = {s: {k for k, cls in NODE_TYPES.items() if cls.stage is s} for s in Stage}
    assert {"FixedLIF", "FixedLinear", "FixedConv2d", "FixedConv1d"} == by_stage[Stage.INTEGER]
    assert {"Input", "Output", "Flatten", "Constant"} <= by_stage[Stage.ANY]
    assert {"LIF", "Linear", "Conv2d", "BatchNorm"} <= by_stage[Stage.FLOAT]
    assert "MatMul" in by_stage[Stage.HOST]


def test_graphs_are_classified_by_their_nodes_stages():
    b = FixedGraphBuilder((3,))
    b.linear(np.ones((2, 3), np.int64))
    b.lif(vth=1)
    b.output()
    assert is_integer_graph(b.graph) and not is_float_graph(b.graph)
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.ones((2, 3))))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    assert is_float_graph(g) and not is_integer_graph(g)
    assert is_integer(g.nodes["x"]) and not is_integer(g.nodes["fc"])

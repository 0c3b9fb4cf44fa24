"""Host operations exported to ONNX reproduce the float32 reference under ONNX Runtime."""

import numpy as np

from snncompile.ir import Graph, Input, Output
from snncompile.ir.host import MatMul


def test_matmul_of_operands_of_different_rank(against_reference):
    g = Graph()
    g.add("q", Input(shape=(2, 4, 3)))
    g.add("k", Input(shape=(3, 5)))
    g.add("qk", MatMul())
    g.add("y", Output(shape=(2, 4, 5)))
    g.connect("q", "qk", port="a")
    g.connect("k", "qk", port="b")
    g.connect("qk", "y")
    rng = np.random.default_rng(0)
    x = {"q": rng.normal(size=(3, 4, 2, 4, 3)).astype(np.float32), "k": rng.normal(size=(3, 4, 3, 5)).astype(np.float32)}
    against_reference(g, x)

"""Host-operation kernels against torch's own operators (float64)."""

import numpy as np
import torch

from snncompile.ir import Graph, Input, Output
from snncompile.ir.host import MatMul
from snncompile.simulate import simulate


def run_binary(node, a_shape, b_shape, seed=0, steps=3, batch=2):
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("a", Input(shape=a_shape))
    g.add("b", Input(shape=b_shape))
    g.add("op", node)
    g.connect("a", "op", port="a")
    g.connect("b", "op", port="b")
    out_shape = node.operand_output_shape({"a": a_shape, "b": b_shape})
    g.add("y", Output(shape=out_shape))
    g.connect("op", "y")
    x = {"a": rng.normal(size=(batch, steps, *a_shape)), "b": rng.normal(size=(batch, steps, *b_shape))}
    return simulate(g, x).output(), x


def test_matmul_is_torch_matmul_per_sample():
    for a_shape, b_shape in [((4, 3), (3, 5)), ((2, 4, 3), (3, 5)), ((1, 4, 3), (2, 3, 5)), ((2, 4, 3), (2, 3, 5))]:
        got, x = run_binary(MatMul(), a_shape, b_shape)
        for n in range(2):
            for t in range(3):
                want = torch.matmul(torch.as_tensor(x["a"][n, t]), torch.as_tensor(x["b"][n, t])).numpy()
                np.testing.assert_allclose(got[n, t], want, rtol=0, atol=1e-12)

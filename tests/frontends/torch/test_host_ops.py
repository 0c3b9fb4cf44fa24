"""Traced host operations compute what the torch module computes."""

import numpy as np
import torch
from torch import nn

from snncompile.frontends.torch import trace
from snncompile.simulate import simulate


def check_same(module: nn.Module, shape: tuple[int, ...], steps: int = 3, batch: int = 2, seed: int = 0):
    torch.manual_seed(seed)
    graph = trace(module, shape)
    x = np.random.default_rng(seed).normal(size=(batch, steps, *shape))
    got = simulate(graph, x).output()
    with torch.no_grad():
        want = np.stack([module(torch.as_tensor(x[:, t])).numpy() for t in range(steps)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    return graph


class Product(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(4, 4)
        self.k = nn.Linear(4, 4)

    def forward(self, x):
        return self.q(x) @ self.k(x) + torch.matmul(x, x)


def test_matmul_operator_function_and_method():
    graph = check_same(Product().double(), (4, 4))
    assert [n.kind for n in graph.nodes.values()].count("MatMul") == 2

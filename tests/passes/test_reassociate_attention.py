import numpy as np
import pytest

from snncompile.ir import LIF, Graph, Input, Output
from snncompile.ir.host import MatMul
from snncompile.ir.host_tensor import Permute
from snncompile.passes.reassociate_attention import chain_costs, reassociate_attention
from snncompile.simulate import simulate

HEADS, N, D = 2, 16, 4


def attention(order: str, n=N, d=D) -> Graph:
    """Spiking Q, K, V (heads, n, d); ``order`` 'left' = (Q Kᵀ) V, 'right' = Q (Kᵀ V)."""
    g = Graph()
    for name in "qkv":
        g.add(f"x{name}", Input(shape=(HEADS, n, d)))
        g.add(name, LIF(shape=(HEADS, n, d), decay=0.5, threshold=0.3))
        g.chain(f"x{name}", name)
    g.add("kt", Permute(perm=(0, 2, 1)))
    g.chain("k", "kt")
    g.add("inner", MatMul())
    g.add("attn", MatMul())
    if order == "left":
        g.connect("q", "inner", port="a")
        g.connect("kt", "inner", port="b")
        g.connect("inner", "attn", port="a")
        g.connect("v", "attn", port="b")
    else:
        g.connect("kt", "inner", port="a")
        g.connect("v", "inner", port="b")
        g.connect("q", "attn", port="a")
        g.connect("inner", "attn", port="b")
    g.add("y", Output(shape=(HEADS, n, d)))
    g.chain("attn", "y")
    return g


def run(g, n=N, d=D):
    rng = np.random.default_rng(0)
    return simulate(g, {f"x{c}": rng.random((2, 6, HEADS, n, d)) for c in "qkv"}).outputs["y"]


def test_costs_count_multiply_adds():
    assert chain_costs((HEADS, N, D), (HEADS, D, N), (HEADS, N, D)) == (2 * HEADS * N * N * D, 2 * HEADS * N * D * D)


@pytest.mark.parametrize("order,n,d,flips", [("left", N, D, True), ("right", N, D, False),
                                             ("right", 4, 16, True), ("left", 4, 16, False)])
def test_the_cheaper_order_is_chosen_and_values_are_bit_exact(order, n, d, flips):
    g = attention(order, n, d)
    out = reassociate_attention(g)
    inner = next(name for name in out.nodes if name.startswith("attn.inner")) if flips else "inner"
    srcs = {e.port: e.src for e in out.incoming(inner)}
    assert srcs == ({"a": "kt", "b": "v"} if (order == "left") == flips else {"a": "q", "b": "kt"})
    left_first, right_first = chain_costs(*(g.infer_shapes()[s] for s in ("q", "kt", "v")))
    now, other = (left_first, right_first) if order == "left" else (right_first, left_first)
    assert flips == (other < now)
    y0, y1 = run(g, n, d), run(out, n, d)
    assert y0.max() >= 2  # counts, not just 0/1
    assert np.array_equal(y0, y1)


def test_real_valued_operands_keep_their_order():
    g = attention("left")
    g.edges = [e for e in g.edges if e.src != "q"]
    g.connect("xq", "inner", port="a")  # Q is a real-valued input now
    assert "inner" in reassociate_attention(g).nodes

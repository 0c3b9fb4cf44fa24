"""Host operations exported to ONNX reproduce the float32 reference under ONNX Runtime."""

import numpy as np
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx_sequence
from snncompile.ir import LIF, Constant, Conv2d, Graph, Input, Output
from snncompile.ir.host import Div, LayerNorm, MatMul, Mean, Mul, RMSNorm
from snncompile.ir.host_activation import ELU, GELU, Exp, ReLU, Sigmoid, Sign, SiLU, Softplus
from snncompile.ir.host_scan import SelectiveScan
from snncompile.ir.host_tensor import Concat, Expand, Permute, Reshape, Slice
from snncompile.simulate import simulate

STEPS, BATCH = 4, 3


def graph_of(node, shapes: dict) -> Graph:
    """One Input per port (``x`` for a summing node), the node, an Output."""
    g = Graph()
    for port, shape in shapes.items():
        g.add(port or "x", Input(shape=shape))
    g.add("op", node)
    for port in shapes:
        g.connect(port or "x", "op", port=port)
    g.add("y", Output(shape=node.operand_output_shape(shapes)))
    g.connect("op", "y")
    return g


def data(shapes: dict, seed=0, scale=1.0) -> dict:
    rng = np.random.default_rng(seed)
    return {port or "x": (scale * rng.normal(size=(BATCH, STEPS, *s))).astype(np.float32) for port, s in shapes.items()}


def test_matmul_of_operands_of_different_rank(against_reference):
    shapes = {"a": (2, 4, 3), "b": (3, 5)}
    against_reference(graph_of(MatMul(), shapes), data(shapes))


@pytest.mark.parametrize(("a", "b"), [((4, 3), (4, 3)), ((2, 4, 3), (4, 1)), ((3,), (2, 3))])
@pytest.mark.parametrize("cls", [Mul, Div])
def test_mul_and_div_broadcast(against_reference, cls, a, b):
    shapes = {"a": a, "b": b}
    x = data(shapes)
    if cls is Div:
        x["b"] = np.sign(x["b"]) * (0.5 + np.abs(x["b"]))  # away from 0: a relative error stays small
    against_reference(graph_of(cls(), shapes), x)


def test_reciprocal_of_a_constant_and_a_tensor(against_reference):
    g = Graph()
    g.add("x", Input(shape=(2, 3)))
    g.add("one", Constant(value=np.float64(1.0)))
    g.add("inv", Div())
    g.add("y", Output(shape=(2, 3)))
    g.connect("one", "inv", port="a")
    g.connect("x", "inv", port="b")
    g.connect("inv", "y")
    against_reference(g, {"x": 1.0 + np.abs(data({"": (2, 3)})["x"])})


@pytest.mark.parametrize("node", [
    Mean(axes=(0,)), Mean(axes=(-1,), keepdim=True), Mean(axes=(0, 2)),
    LayerNorm(normalized_shape=(2,)), RMSNorm(normalized_shape=(3, 2)), RMSNorm(normalized_shape=(2,), eps=1e-6),
    ReLU(), Sigmoid(), SiLU(), Exp(), Sign(), GELU(), GELU(approximate="tanh"), ELU(alpha=0.5),
    Softplus(), Softplus(beta=2.0, threshold=3.0),
    Permute(perm=(2, 0, 1)), Reshape(shape=(6, 2)), Slice(axis=1, start=1, stop=3), Slice(axis=-1, start=0, stop=2, step=1),
], ids=lambda n: n.kind)
def test_one_input_host_node(against_reference, node):
    shapes = {"": (4, 3, 2)} if node.kind != "Reshape" else {"": (4, 3)}
    against_reference(graph_of(node, shapes), data(shapes, scale=2.0))


def test_layer_norm_with_affine_parameters_over_two_axes(against_reference):
    rng = np.random.default_rng(5)
    node = LayerNorm(normalized_shape=(3, 2), weight=rng.normal(size=(3, 2)), bias=rng.normal(size=(3, 2)), eps=1e-3)
    against_reference(graph_of(node, {"": (4, 3, 2)}), data({"": (4, 3, 2)}, scale=3.0))


def test_rms_norm_with_weight(against_reference):
    node = RMSNorm(normalized_shape=(3,), weight=np.array([0.5, -1.0, 2.0]))
    against_reference(graph_of(node, {"": (4, 3)}), data({"": (4, 3)}))


def test_expand_keeps_the_batch(against_reference):
    against_reference(graph_of(Expand(shape=(2, 4, 3)), {"": (4, 1)}), data({"": (4, 1)}))


def test_concat_of_three_operands(against_reference):
    shapes = {"x0": (2, 1), "x1": (2, 3), "x2": (2, 2)}
    against_reference(graph_of(Concat(axis=-1, count=3), shapes), data(shapes))


@pytest.mark.parametrize(("skip", "bias", "softplus"), [(True, True, True), (False, False, True)])
def test_selective_scan_unrolled(against_reference, skip, bias, softplus):
    L, d_inner, n_state = 5, 4, 3
    rng = np.random.default_rng(6)
    node = SelectiveScan(A=-np.exp(rng.normal(size=(d_inner, n_state))), D=rng.normal(size=d_inner) if skip else None,
                         delta_bias=rng.normal(size=d_inner) if bias else None, delta_softplus=softplus)
    shapes = {"x": (L, d_inner), "delta": (L, d_inner), "B": (L, n_state), "C": (L, n_state)}
    against_reference(graph_of(node, shapes), data(shapes, seed=7))


def test_spiking_attention_product_is_exact(against_reference, spikes_like):
    """Q Kᵀ V of 0/1 spikes after LIF neurons: counts, exact in float32."""
    g = Graph()
    g.add("x", Input(shape=(2, 5, 4)))
    for name in ("q", "k", "v"):
        g.add(name, LIF(shape=(2, 5, 4), decay=0.5, threshold=0.5))
        g.connect("x", name)
    g.add("kt", Permute(perm=(0, 2, 1)))
    g.add("qk", MatMul())
    g.add("qkv", MatMul())
    g.add("y", Output(shape=(2, 5, 4)))
    g.chain("k", "kt")
    g.connect("q", "qk", port="a")
    g.connect("kt", "qk", port="b")
    g.connect("qk", "qkv", port="a")
    g.connect("v", "qkv", port="b")
    g.connect("qkv", "y")
    spikes = against_reference(g, {"x": spikes_like((BATCH, 6, 2, 5, 4), 0.6)})
    assert min(spikes[n] for n in ("q", "k", "v")) > 0


def test_depthwise_conv2d(against_reference):
    rng = np.random.default_rng(8)
    conv = Conv2d(weight=rng.normal(size=(4, 1, 3, 3)), bias=rng.normal(size=4), padding=1, groups=4)
    against_reference(graph_of(conv, {"": (4, 5, 5)}), data({"": (4, 5, 5)}))


def test_the_sequence_form_runs_host_nodes_too():
    """The step scanned over time (ONNX Scan) on a graph with a Constant, a quotient, an
    LIF neuron, a Concat and the selective scan."""
    pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(9)
    g = Graph()
    g.add("x", Input(shape=(5, 4)))
    g.add("lif", LIF(shape=(5, 4), decay=0.5, threshold=0.5))
    g.add("one", Constant(value=np.float64(1.0)))
    g.add("inv", Div())
    g.add("gate", Sigmoid())
    g.add("scan", SelectiveScan(A=-np.exp(rng.normal(size=(4, 2))), D=np.ones(4), delta_softplus=True))
    g.add("b", Slice(axis=1, start=0, stop=2))
    g.add("cat", Concat(axis=1, count=2))
    g.add("y", Output(shape=(5, 8)))
    g.chain("x", "lif")
    g.chain("x", "gate")
    g.connect("one", "inv", port="a")
    g.connect("gate", "inv", port="b")
    g.chain("x", "b")
    for port, src in (("x", "lif"), ("delta", "inv"), ("B", "b"), ("C", "b")):
        g.connect(src, "scan", port=port)
    g.connect("scan", "cat", port="x0")
    g.connect("lif", "cat", port="x1")
    g.connect("cat", "y")
    x = data({"": (5, 4)}, seed=10, scale=2.0)
    want = simulate(g, x, dtype=torch.float32).output()
    got = run_onnx(to_onnx_sequence(g), x).output()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert 0 < want[..., 4:].mean() < 1  # the LIF half is spikes, some and not all

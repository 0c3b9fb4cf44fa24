"""Host operations: shapes and the problems they name."""

import numpy as np
import pytest

from snncompile.errors import GraphError
from snncompile.ir import Graph, Input, Output, load_graph, save_graph
from snncompile.ir.host import Div, LayerNorm, MatMul, Mean, Mul, RMSNorm
from snncompile.ir.host_activation import (
    ELU,
    GELU,
    Exp,
    GeluApproximation,
    ReLU,
    Sigmoid,
    Sign,
    SiLU,
    Softplus,
)
from snncompile.ir.host_scan import SelectiveScan
from snncompile.ir.host_tensor import Concat, Expand, Permute, Reshape, Slice
from snncompile.ir.stage import Stage


def test_matmul_shapes_broadcast_leading_axes():
    m = MatMul()
    assert m.stage is Stage.HOST and m.ports == ("a", "b")
    assert m.operand_output_shape({"a": (2, 4, 3), "b": (3, 5)}) == (2, 4, 5)
    assert m.operand_output_shape({"a": (1, 4, 3), "b": (6, 3, 5)}) == (6, 4, 5)
    assert m.check_operands({"a": (2, 4, 3), "b": (2, 3, 5)}) == []


@pytest.mark.parametrize(("a", "b", "problem"), [
    ((4, 3), (4, 5), "inner sizes differ"),
    ((3,), (3, 5), "at least 2 axes"),
    ((2, 4, 3), (3, 3, 5), "do not broadcast"),
])
def test_matmul_names_what_is_wrong(a, b, problem):
    assert any(problem in p for p in MatMul().check_operands({"a": a, "b": b}))


# -- elementwise products, means, norms ---------------------------------------------------
def test_mul_and_div_broadcast_per_sample_shapes():
    for cls in (Mul, Div):
        node = cls()
        assert node.ports == ("a", "b") and node.stage is Stage.HOST
        assert node.operand_output_shape({"a": (2, 4, 3), "b": (4, 1)}) == (2, 4, 3)
        assert node.operand_output_shape({"a": (), "b": (5,)}) == (5,)
        assert node.check_operands({"a": (2, 3), "b": (3,)}) == []
        assert "do not broadcast" in node.check_operands({"a": (2, 3), "b": (2,)})[0]


def test_mean_shapes_and_problems():
    assert Mean(axes=(0,)).output_shape((4, 3)) == (3,)
    assert Mean(axes=(-1,), keepdim=True).output_shape((4, 3)) == (4, 1)
    assert Mean(axes=(0, 2)).output_shape((4, 3, 2)) == (3,)
    assert "out of range" in Mean(axes=(2,)).check((4, 3))[0]
    assert "same axis twice" in Mean(axes=(1, -1)).check((4, 3))[0]
    assert "at least one axis" in Mean(axes=()).check((4, 3))[0]


def test_norms_check_trailing_shape_and_parameters():
    ln = LayerNorm(normalized_shape=(3,), weight=np.ones(3), bias=np.zeros(3))
    assert ln.check((4, 3)) == [] and ln.output_shape((4, 3)) == (4, 3)
    assert "trailing axes (3,)" in ln.check((3, 4))[0]
    assert "bias shape (2,)" in LayerNorm(normalized_shape=(3,), bias=np.zeros(2)).check((3,))[0]
    assert "non-finite" in LayerNorm(normalized_shape=(2,), weight=[1.0, np.nan]).check((2,))[0]
    assert "trailing axes" in RMSNorm(normalized_shape=(2, 3)).check((3,))[0]
    assert RMSNorm(normalized_shape=(2, 3)).check((4, 2, 3)) == []
    assert RMSNorm(normalized_shape=(3,)).eps is None


def test_activation_fields_are_checked():
    assert GELU(approximate="tanh").approximate is GeluApproximation.TANH
    with pytest.raises(ValueError):
        GELU(approximate="fast")
    assert "beta must not be 0" in Softplus(beta=0.0).check((3,))[0]
    assert "alpha must be a finite number" in ELU(alpha=float("inf")).check((3,))[0]
    for cls in (ReLU, Sigmoid, SiLU, Exp, Sign):
        assert cls().output_shape((2, 5)) == (2, 5) and cls.stage is Stage.HOST


# -- re-indexings ---------------------------------------------------------------------------
def test_permute_reshape_slice_shapes():
    assert Permute(perm=(1, 0, 2)).output_shape((2, 3, 4)) == (3, 2, 4)
    assert "not a permutation" in Permute(perm=(0, 0)).check((2, 3))[0]
    assert Reshape(shape=(2, 6)).output_shape((3, 4)) == (2, 6)
    assert "cannot reshape (3, 4) (12 elements) to (5, 2)" in Reshape(shape=(5, 2)).check((3, 4))[0]
    assert Slice(axis=1, start=2, stop=7, step=2).output_shape((3, 8)) == (3, 3)
    assert Slice(axis=-1, start=0, stop=4).output_shape((3, 8)) == (3, 4)
    assert "outside axis" in Slice(axis=0, start=2, stop=9).check((3, 8))[0]
    assert "step must be >= 1" in Slice(axis=0, start=0, stop=2, step=0).check((3,))[0]
    assert Expand(shape=(2, 4, 3)).check((4, 1)) == [] and Expand(shape=(4, 3)).output_shape((3,)) == (4, 3)
    assert "(4, 2) does not broadcast to (4, 3)" in Expand(shape=(4, 3)).check((4, 2))[0]
    assert "does not broadcast" in Expand(shape=(3,)).check((2, 3))[0]  # it never narrows


def test_concat_ports_follow_its_count():
    node = Concat(axis=-1, count=3)
    assert node.ports == ("x0", "x1", "x2")
    shapes = {"x0": (2, 3), "x1": (2, 4), "x2": (2, 1)}
    assert node.check_operands(shapes) == [] and node.operand_output_shape(shapes) == (2, 8)
    bad = node.check_operands({"x0": (2, 3), "x1": (3, 4), "x2": (2, 1)})
    assert "agree on every axis but 1" in bad[0] and "x1 (3, 4)" in bad[0]


def test_concat_in_a_graph_names_a_missing_operand_and_a_wrong_port():
    g = Graph()
    g.add("x", Input(shape=(2, 3)))
    g.add("cat", Concat(axis=0, count=2))
    g.add("y", Output(shape=(4, 3)))
    g.connect("x", "cat", port="x0")
    g.connect("x", "cat", port="x5")
    g.connect("cat", "y")
    with pytest.raises(GraphError) as info:
        g.validate()
    message = str(info.value)
    assert "names operand 'x5'; Concat takes one of its operands ['x0', 'x1']" in message


def test_selective_scan_checks_operand_shapes():
    scan = SelectiveScan(A=-np.ones((4, 2)), D=np.ones(4), delta_softplus=True)
    shapes = {"x": (5, 4), "delta": (5, 4), "B": (5, 2), "C": (5, 2)}
    assert scan.ports == ("x", "delta", "B", "C")
    assert scan.check_operands(shapes) == [] and scan.operand_output_shape(shapes) == (5, 4)
    problems = scan.check_operands({**shapes, "B": (5, 3), "C": (6, 2)})
    assert any("operand 'B' must be (L, N=2), found (5, 3)" in p for p in problems)
    assert any("disagree on the sequence length L: [5, 6]" in p for p in problems)
    bad = SelectiveScan(A=-np.ones((4, 2)), delta_bias=np.ones(3))
    assert any("delta_bias shape (3,) != (4,)" in p for p in bad.check_operands(shapes))


def test_host_nodes_round_trip_through_the_ir_file(tmp_path):
    g = Graph()
    g.add("x", Input(shape=(5, 4)))
    g.add("b", Input(shape=(5, 2)))
    g.add("scan", SelectiveScan(A=-np.arange(1.0, 9.0).reshape(4, 2), D=np.ones(4), delta_softplus=True))
    g.add("gelu", GELU(approximate="tanh"))
    g.add("cat", Concat(axis=1, count=3))
    g.add("y", Output(shape=(5, 10)))
    for port, src in (("x", "x"), ("delta", "x"), ("B", "b"), ("C", "b")):
        g.connect(src, "scan", port=port)
    g.chain("scan", "gelu")
    for port, src in (("x0", "gelu"), ("x1", "x"), ("x2", "b")):
        g.connect(src, "cat", port=port)
    g.connect("cat", "y")
    save_graph(g.validate(), tmp_path / "g.snnir")
    back = load_graph(tmp_path / "g.snnir")
    assert back.equals(g) and back.nodes["scan"].delta_bias is None
    assert back.nodes["gelu"].approximate is GeluApproximation.TANH

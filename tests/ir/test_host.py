"""Host operations: shapes and the problems they name."""

import pytest

from snncompile.ir.host import MatMul
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

"""integer_ranges: the nodes whose outputs are small integers, with their intervals."""

import numpy as np

from snncompile.ir import LI, LIF, Add, Flatten, Graph, Input, Linear, Output, Scale
from snncompile.ir.host import Mul
from snncompile.ir.host_activation import Sign
from snncompile.passes.integer_values import fits_payload, integer_ranges


def ternary(recurrent: bool = False) -> Graph:
    """BackEISNN's shape: spikes ``h``, the sign of a real value ``e`` of them, their
    product (ternary), a sum of two spike trains, a real-valued scaling and a readout."""
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("w", Linear(weight=np.ones((4, 3))))
    g.add("h", LIF(shape=(4,), decay=np.asarray(0.5), threshold=np.asarray(1.0)))
    g.add("e", Linear(weight=-np.eye(4)))
    g.add("sign", Sign())
    g.add("out", Mul())
    g.add("both", Add())
    g.add("flat", Flatten())
    g.add("half", Scale(scale=np.asarray(0.5)))
    g.add("li", LI(shape=(4,), decay=np.asarray(0.5)))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "w", "h", "e", "sign")
    g.connect("sign", "out", port="a")
    g.connect("h", "out", port="b")
    g.connect("out", "both")
    g.connect("h", "both", 1)
    g.chain("both", "flat", "half", "li", "y")
    if recurrent:  # the ternary output also feeds the real value its sign is taken of
        g.connect("out", "e", 1)
    return g.validate()


def test_intervals_follow_each_kinds_rule():
    r = integer_ranges(ternary())
    assert r["h"] == (0, 1) and r["sign"] == (-1, 1)
    assert r["out"] == (-1, 1)  # corners of [-1, 1] x [0, 1]
    assert r["both"] == (-1, 2) and r["flat"] == (-1, 2)  # a sum; a view copies
    assert {"x", "w", "e", "half", "li", "y"}.isdisjoint(r)  # real values (li: a membrane)


def test_a_recurrence_is_known_once_its_operands_are():
    # out[t] = sign(e(h[t], out[t-1])) * h[t]: a loop through a real value, still ternary
    r = integer_ranges(ternary(recurrent=True))
    assert r["out"] == (-1, 1) and "e" not in r


def test_an_accumulator_has_no_bound():
    g = ternary()
    g.connect("both", "both", 1)  # both[t] = out + h[t-1] + both[t-1]: grows without limit
    r = integer_ranges(g.validate())
    assert "both" not in r and "flat" not in r and r["out"] == (-1, 1)


def test_a_product_with_a_real_value_is_not_an_integer():
    g = ternary()
    g.edges = [e for e in g.edges if not (e.dst == "out" and e.port == "b")]
    g.connect("e", "out", port="b")
    r = integer_ranges(g.validate())
    assert "out" not in r and "both" not in r and r["sign"] == (-1, 1)


def test_payload_width_is_signed():
    assert fits_payload((-1, 1), 2) and not fits_payload((0, 2), 2)
    assert fits_payload((-128, 127), 8) and not fits_payload((-129, 0), 8)

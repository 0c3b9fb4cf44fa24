import numpy as np

from snncompile.ir import Graph, Input, Output
from snncompile.ir.fixed import FixedLIF, FixedLinear
from snncompile.passes.quantize.order_event_delivery import order_event_delivery

SAT = dict(accumulate="saturate", accum_bits=16, weight_bits=7, num_weight_bits=7, mixed_sign_extra_shift=0)


def test_inputs_first_then_populations_in_graph_order():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("a", FixedLIF(shape=(2,), current_overflow="saturate", act_shift=0))
    g.add("b", FixedLIF(shape=(2,), current_overflow="saturate", act_shift=0))
    for name in ("b_to_a", "a_to_a", "x_to_a", "x_to_b"):
        g.add(name, FixedLinear(weight=np.eye(2, dtype=int), **SAT))
    g.add("y", Output(shape=(2,)))
    # listed against Xylo's order: recurrent from b, then from a, then the input
    g.connect("b", "b_to_a")
    g.connect("b_to_a", "a", 1)
    g.connect("a", "a_to_a")
    g.connect("a_to_a", "a", 1)
    g.connect("x", "x_to_a")
    g.connect("x_to_a", "a")
    g.connect("x", "x_to_b")
    g.connect("x_to_b", "b")
    g.connect("b", "y")
    out = order_event_delivery(g)
    assert [e.src for e in out.incoming("a")] == ["x_to_a", "a_to_a", "b_to_a"]
    assert sorted((e.src, e.dst, e.delay) for e in out.edges) == \
        sorted((e.src, e.dst, e.delay) for e in g.edges)  # only the order changed
    lava = g.copy()
    lava.nodes["a"] = FixedLIF(shape=(2,))  # sums its inputs: the order is left as it was
    assert [e.src for e in order_event_delivery(lava).incoming("a")] == ["b_to_a", "a_to_a", "x_to_a"]

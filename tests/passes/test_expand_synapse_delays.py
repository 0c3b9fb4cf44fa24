"""expand_synapse_delays: one synapse per distinct delay, exact against the unchanged graph."""

import numpy as np

from snncompile.ir import Conv1d, Graph, Input, Output
from snncompile.ir.placement import ORIGIN
from snncompile.passes.expand_synapse_delays import expand_synapse_delays
from snncompile.simulate import simulate
from snncompile.testing.delay_graphs import recurrent_delays as delayed


def test_branches_per_delay_are_exact():
    for g in (delayed(), delayed(bias=False, lowest=1), delayed(lowest=2)):
        e = expand_synapse_delays(g)
        assert not any(getattr(n, "delays", None) is not None for n in e.nodes.values())
        assert e.nodes["fc"].meta[ORIGIN] == {"pass": "expand_synapse_delays", "from": ["fc"], "delay": 0 if g.nodes[
            "fc"].bias is not None else int(g.nodes["fc"].delays.min())}
        x = (np.random.default_rng(1).random((2, 25, 5)) < 0.4).astype(float)
        a, b = simulate(g, x, membranes=["n"]), simulate(e, x, membranes=["n"])
        np.testing.assert_allclose(b.membranes["n"], a.membranes["n"], rtol=0, atol=1e-12)
        assert a.output().sum() > 0


def test_names_and_edges_of_the_branches():
    g = delayed(lowest=1)  # a bias and no weight of delay 0: the bias gets a zero-weight branch
    e = expand_synapse_delays(g)
    assert [n for n in e.nodes if n.startswith("fc")] == ["fc", "fc_d1", "fc_d2", "fc_d3"]
    assert not np.any(e.nodes["fc"].weight) and e.nodes["fc"].bias is not None and e.nodes["fc_d2"].bias is None
    assert sorted((x.src, x.delay) for x in e.edges if x.dst == "n" and x.src.startswith("fc")) == [
        ("fc", 0), ("fc_d1", 1), ("fc_d2", 2), ("fc_d3", 3)]
    assert sorted(x.delay for x in e.edges if x.dst == "n" and x.src.startswith("rec")) == [1, 2, 3]


def test_convolutions_expand_too():
    rng = np.random.default_rng(2)
    g = Graph()
    g.add("x", Input(shape=(2, 6)))
    g.add("c", Conv1d(weight=rng.normal(size=(3, 2, 3)), padding=1, delays=rng.integers(0, 3, (3, 2, 3))))
    g.add("y", Output(shape=(3, 6)))
    g.chain("x", "c", "y")
    x = rng.normal(size=(2, 10, 2, 6))
    np.testing.assert_allclose(simulate(expand_synapse_delays(g), x).output(), simulate(g, x).output(), atol=1e-12)

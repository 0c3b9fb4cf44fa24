"""merge_delay_branches undoes expand_synapse_delays (and reads the Σ_d Delay_d(W_d x)
form with explicit Delay nodes), exact against the unchanged graph."""

import numpy as np

from snncompile.ir import LIF, Delay, Graph, Input, Linear, Output, nodes_equal
from snncompile.passes.expand_synapse_delays import branch_hints, expand_synapse_delays
from snncompile.passes.merge_delay_branches import merge_delay_branches
from snncompile.simulate import simulate
from snncompile.testing.delay_graphs import recurrent_delays as delayed


def same(a: Graph, b: Graph) -> bool:
    return (list(a.nodes) == list(b.nodes) and all(nodes_equal(a.nodes[n], b.nodes[n]) for n in a.nodes)
            and sorted(e.key() for e in a.edges) == sorted(e.key() for e in b.edges))


def test_merge_inverts_the_expansion():
    for g in (delayed(), delayed(bias=False, lowest=1), delayed(lowest=2)):
        e = expand_synapse_delays(g)
        assert same(merge_delay_branches(e, branch_hints(e)), g)


def test_without_hints_the_smallest_delay_stays_on_the_edge():
    g = delayed(bias=False, lowest=1)
    m = merge_delay_branches(expand_synapse_delays(g))
    low = int(g.nodes["fc"].delays.min())
    assert np.array_equal(m.nodes["fc"].delays, g.nodes["fc"].delays - low)
    assert [e.delay for e in m.edges if e.src == "fc"] == [low]
    x = (np.random.default_rng(1).random((2, 25, 5)) < 0.4).astype(float)
    np.testing.assert_allclose(simulate(m, x, membranes=["n"]).membranes["n"],
                               simulate(g, x, membranes=["n"]).membranes["n"], atol=1e-12)


def test_a_uniform_delay_needs_the_hint():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.ones((2, 3)), delays=np.full((2, 3), 4)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    e = expand_synapse_delays(g)
    assert [(x.src, x.dst, x.delay) for x in e.edges] == [("x", "fc", 0), ("fc", "y", 4)]
    assert same(merge_delay_branches(e), e)  # one branch: an edge delay, nothing to merge
    assert same(merge_delay_branches(e, {"fc": ("fc", 4)}), g)


def test_explicit_delay_nodes_and_overlapping_taps():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4, 6))
    mask = rng.random((4, 6)) < 0.5
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("w0", Linear(weight=np.where(mask, w, 0), bias=np.ones(4)))
    g.add("w3", Linear(weight=np.where(mask, 0, w)))
    g.add("d3", Delay(delay=np.full(4, 3)))
    g.add("n", LIF(shape=(4,), decay=0.7, threshold=1.0))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "w0", "n", "y")
    g.chain("x", "w3", "d3", "n")
    m = merge_delay_branches(g)
    assert list(m.nodes) == ["x", "w0", "n", "y"]
    assert np.array_equal(m.nodes["w0"].delays, np.where(mask, 0, 3)) and np.allclose(m.nodes["w0"].weight, w)
    x = (rng.random((2, 20, 6)) < 0.5).astype(float)
    np.testing.assert_allclose(simulate(m, x, membranes=["n"]).membranes["n"],
                               simulate(g, x, membranes=["n"]).membranes["n"], atol=1e-12)
    overlapping = g.copy()
    overlapping.nodes["w3"] = Linear(weight=w)  # two taps on some synapses: no single delay each
    assert same(merge_delay_branches(overlapping), overlapping)

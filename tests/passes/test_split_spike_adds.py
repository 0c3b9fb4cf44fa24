import numpy as np

from snncompile.ir import LIF, Add, Conv1d, Flatten, Graph, Input, Linear, Output
from snncompile.ir.host import Mean
from snncompile.passes.split_spike_adds import split_spike_adds
from snncompile.simulate import simulate


def residual_chain() -> Graph:
    """SEW residuals as in Spikformer: x1 = flatten(a + b), x2 = x1 + c; convs read both sums."""
    rng = np.random.default_rng(0)
    g = Graph()
    g.add("x", Input(shape=(3, 2, 4)))
    g.add("a", LIF(shape=(3, 2, 4), decay=0.5, threshold=0.3))
    g.add("fb", Linear(weight=rng.normal(size=(4, 4))))
    g.add("b", LIF(shape=(3, 2, 4), threshold=0.4))
    g.add("add0", Add())
    g.add("flat", Flatten(start_dim=1))
    g.add("q", Conv1d(weight=rng.normal(size=(3, 3, 1)), bias=rng.normal(size=3)))
    g.add("nq", LIF(shape=(3, 8), decay=0.8, threshold=0.5))
    g.add("fc", Conv1d(weight=rng.normal(size=(3, 3, 1)), bias=rng.normal(size=3)))
    g.add("c", LIF(shape=(3, 8), decay=0.6, threshold=0.5))
    g.add("add1", Add())
    g.add("fc2", Conv1d(weight=rng.normal(size=(2, 3, 1)), bias=[-0.5, 0.2]))
    g.add("n2", LIF(shape=(2, 8), decay=0.5, threshold=1.5))
    g.add("mean", Mean(axes=(1,)))
    g.add("y", Output(shape=(2, 8)))
    g.add("z", Output(shape=(3,)))
    g.chain("x", "a", "add0")
    g.chain("x", "fb", "b", "add0")
    g.chain("add0", "flat", "q", "nq", "fc", "c", "add1")
    g.connect("flat", "add1", delay=1)
    g.chain("add1", "fc2", "n2", "y")
    g.chain("add1", "mean", "z")
    return g


def test_spike_sums_become_one_synapse_per_term():
    g = residual_chain()
    out = split_spike_adds(g)
    # q reads flatten(a) and flatten(b); fc2 reads flatten(a), flatten(b) (one step late) and c
    assert sorted(e.src for e in out.incoming("q.term1") + out.incoming("q")) == ["flat.a", "flat.b"]
    fc2 = [out.incoming(n)[0] for n in out.nodes if n == "fc2" or n.startswith("fc2.term")]
    assert sorted((e.src, e.delay) for e in fc2) == [("c", 0), ("flat.a_1", 0), ("flat.b_1", 0)]
    # the delayed term's delay sits on the edge into its own view copy
    assert [(e.src, e.delay) for e in out.incoming("flat.a_1")] == [("a", 1)]
    assert out.nodes["fc2"].bias is not None and out.nodes["fc2.term1"].bias is None
    assert "add1" in out.nodes  # still read by the mean readout
    rng = np.random.default_rng(1)
    x = rng.random((3, 30, 3, 2, 4))
    a, b = simulate(g, x, record=["nq", "n2"]), simulate(out, x, record=["nq", "n2"])
    assert 0.05 < a.recorded["n2"].mean() < 0.95
    for n in ("nq", "n2"):
        assert np.array_equal(a.recorded[n], b.recorded[n])
    np.testing.assert_allclose(b.outputs["z"], a.outputs["z"], atol=1e-12)


def test_sum_with_a_real_valued_term_stays():
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("s", LIF(shape=(3,)))
    g.add("add", Add())
    g.add("fc", Linear(weight=np.ones((2, 3))))
    g.add("n", LIF(shape=(2,)))
    g.add("y", Output(shape=(2, 8)))
    g.chain("x", "s", "add")
    g.chain("x", "add")  # x is real-valued here
    g.chain("add", "fc", "n", "y")
    assert split_spike_adds(g).incoming("fc")[0].src == "add"

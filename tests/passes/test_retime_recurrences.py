"""Retiming for a chip's synapse latency, checked against the unchanged graph.

- Where a retiming exists, :func:`solve_lags` gives lags under which the float graph with
  the chip's latency on every synapse stage computes exactly the unchanged graph's values,
  each node shifted by its lag (reference simulator, float64, bit for bit).
- Where none exists (the L2MU's chain inside its recurrences), ``retime_recurrences``
  lengthens exactly the short cycles' back edges by the steps they lack, and the compiled
  graph then computes the retimed float graph exactly (quantization made exact).
"""

import numpy as np
import pytest

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.ir import IF, LIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize, spec_from_target
from snncompile.passes.retime_recurrences import (
    retime_recurrences,
    short_cycle,
    solve_lags,
    stage_weight,
    timing_changes,
)
from snncompile.simulate import simulate


@pytest.fixture(scope="module")
def loihi2():
    return spec_from_target("loihi2")


def l2mu_like(neuron=IF, **params) -> Graph:
    """The L2MU's wiring (x -> u -> m -> h -> out in one step; h, m fed back with delay 1
    on the edge *before* each recurrent synapse), weights multiples of 1/4."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    w = {
        "e_x": [[1.0, 0.5], [0.5, 0.75]], "e_h": [[-0.25], [0.5]], "e_m": [[0.25, -0.5], [-0.25, 0.25]],
        "B": [[1.0, 0.25], [0.25, 1.0]], "A": [[0.5, -0.25], [0.0, 0.5]], "W_x": [[0.5, 0.25]],
        "W_h": [[-0.5]], "W_m": [[0.75, 0.5]], "W_o": [[1.0], [0.5]],
    }
    for name, weight in w.items():
        g.add(name, Linear(weight=np.array(weight)))
    for name, n in (("u", 2), ("m", 2), ("h", 1), ("out", 2)):
        g.add(name, neuron(shape=(n,), threshold=1.0, **params))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "e_x", "u", "B", "m", "W_m", "h", "W_o", "out", "y")
    g.chain("x", "W_x", "h")
    for src, syn, dst in (("h", "e_h", "u"), ("m", "e_m", "u"), ("m", "A", "m"), ("h", "W_h", "h")):
        g.connect(src, syn, delay=1)
        g.connect(syn, dst)
    return g.validate()


def with_latency(graph: Graph, lags: dict[str, int]) -> Graph:
    """The float graph retimed by ``lags``: every edge's delay becomes d + r_dst - r_src."""
    edges = [e.replace(delay=e.delay + lags[e.dst] - lags[e.src]) for e in graph.edges]
    return Graph(dict(graph.nodes), edges, graph.dt).validate()


def spikes(n: int, steps: int, width: int, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, steps, width)) < 0.4).astype(float)


def test_a_chain_inside_recurrences_has_no_retiming():
    g = l2mu_like()
    weight = stage_weight(g, 1)
    assert solve_lags(g, weight) is None
    cycle, missing = short_cycle(g, weight)
    assert missing in (1, 2)  # u -> m -> e_m -> u lacks one step, u -> m -> h -> e_h -> u two


def test_retime_recurrences_lengthens_only_the_short_back_edges():
    g = l2mu_like()
    r = retime_recurrences(g, latency=1)
    changes = {(c.src, c.dst): (c.before, c.after) for c in timing_changes(g, r)}
    # sum of delay around a cycle >= its synapse stages: e_m's loop has 2 stages, e_h's 3
    assert changes == {("h", "e_h"): (1, 3), ("m", "e_m"): (1, 2)}
    assert solve_lags(r, stage_weight(r, 1)) is not None
    assert retime_recurrences(r, latency=1) is r  # nothing left to change
    assert timing_changes(g, retime_recurrences(g, latency=0)) == []
    assert "arrive 2 step(s) later" in next(c for c in timing_changes(g, r) if c.src == "h").describe()


@pytest.mark.parametrize("latency", [1, 2])
def test_lags_keep_the_meaning_where_a_retiming_exists(latency):
    """Float LIF neurons, arbitrary weights: the graph with the chip's latency on every
    synapse stage, shifted by the lags, equals the unchanged graph exactly."""
    g = retime_recurrences(l2mu_like(LIF, decay=0.8), latency=latency)
    lags = solve_lags(g, stage_weight(g, latency))
    chip = with_latency(g, lags)
    stages = [e for e in chip.edges if stage_weight(chip, latency)(e)]
    assert stages and all(e.delay >= latency for e in stages)
    x = spikes(3, 30, 2, seed=4)
    steps = 30 + max(lags.values())
    ref = simulate(g, x, record=["u", "m", "h", "out"], membranes=["u", "m", "h", "out"])
    got = simulate(chip, x, steps=steps, record=["u", "m", "h", "out"], membranes=["u", "m", "h", "out"])
    for n in ("u", "m", "h", "out"):
        assert ref.recorded[n].sum() > 0, n
        assert np.array_equal(aligned(got.recorded[n], lags[n], 30), ref.recorded[n]), n
        assert np.array_equal(aligned(got.membranes[n], lags[n], 30), ref.membranes[n]), n


def test_quantized_lags_stay_small_when_the_delay_sits_before_the_synapse(loihi2):
    """h -(1)-> W_h -> h: the loop's one step of delay moves onto the synapse stage."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fa", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("rec", Linear(weight=[[-0.5, 0.25], [0.25, -0.5]]))
    g.add("fb", Linear(weight=[[1.0, 0.5]]))
    g.add("o", IF(shape=(1,), threshold=1.0))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fa", "h", "fb", "o", "y")
    g.connect("h", "rec", delay=1)
    g.connect("rec", "h")
    q = quantize(g, loihi2)
    assert dict(q.lags) == {"x": 0, "fa": 0, "rec": 0, "h": 1, "fb": 1, "o": 2, "y": 2}
    delays = {(e.src, e.dst): e.delay for e in q.fixed.edges}
    assert delays[("h", "rec")] == 0 and delays[("rec", "h")] == 1


def test_the_chip_computes_the_retimed_graph_exactly(loihi2):
    """IF neurons, weights on the integer grid at S = 2^14: the emulator reproduces the
    retimed float graph spike for spike, each layer shifted by its lag."""
    g = retime_recurrences(l2mu_like(), latency=loihi2.synapse_latency)
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    assert not [n for n in q.report.notes if "would need delay" in n]
    assert [q.lags[n] for n in ("u", "m", "h", "out")] == [1, 2, 3, 4]
    x = spikes(4, 40, 2, seed=3)
    layers = ["u", "m", "h", "out"]
    ref = simulate(g, x, record=layers)
    emu = emulate(q.fixed, x, steps=40 + q.lags["out"], record=layers)
    for n in layers:
        assert ref.recorded[n].sum() > 0, n
        assert np.array_equal(aligned(emu.recorded[n], q.lags[n], 40), ref.recorded[n]), n


def test_without_retiming_the_short_loops_are_reported(loihi2):
    q = quantize(l2mu_like(), loihi2, QuantizeOptions(scale=2**14))
    problems = [n for n in q.report.notes if "would need delay" in n]
    assert any("h -> e_h" in p for p in problems) and any("m -> e_m" in p for p in problems)


def test_the_option_compiles_the_retimed_model_whole_on_the_chip():
    """build_artifact with retime_recurrences: the artifact keeps the retimed float graph
    (the model the chip computes), lists each change in its notes and puts nothing on the
    host; without it the short loops' neurons run on the host and the float graph is kept."""
    from snncompile.compile import build_artifact

    g = l2mu_like()
    x = spikes(8, 20, 2, seed=5)
    retimed = build_artifact(g, "loihi2", QuantizeOptions(retime_recurrences=True), calibrate=x)
    assert timing_changes(g, retimed.float_graph) == timing_changes(g, retime_recurrences(g, 1))
    noted = [n for n in retimed.report.notes if n.startswith("retime_recurrences:")]
    assert len(noted) == 2 and any("h -> e_h: delay 1 -> 3" in n for n in noted)
    assert retimed.partition is None or not retimed.partition.host_nodes
    as_is = build_artifact(g, "loihi2", QuantizeOptions(), calibrate=x)
    assert timing_changes(g, as_is.float_graph) == []
    assert as_is.partition is not None and {"u", "m"} <= set(as_is.partition.host_nodes)
    assert not [n for n in as_is.report.notes if n.startswith("retime_recurrences:")]

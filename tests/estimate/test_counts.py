"""Counts of parts merge into the counts of the whole: the metrics of a batch split any
way equal the metrics of the batch, exactly (also when only some parts make a step
non-spiking, which turns the whole step's synaptic ops from ACs into MACs)."""

import numpy as np
import pytest

from snncompile.estimate.activity import record_activity
from snncompile.estimate.counts import count_activity
from snncompile.estimate.metrics import compute_metrics, metrics_from_counts
from snncompile.ir import LIF, Graph, Input, Linear, Output


def graph():
    g = Graph()
    g.add("x", Input(shape=(5,)))
    g.add("fc1", Linear(weight=np.random.default_rng(0).normal(0, 0.8, (4, 5))))
    g.add("lif1", LIF(shape=(4,), decay=0.8))
    g.add("fc2", Linear(weight=np.array([[1.0, 0, -1, 0.5], [0, 0.7, 0, 0]])))
    g.add("lif2", LIF(shape=(2,), decay=0.9))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc1", "lif1", "fc2", "lif2", "y")
    return g


@pytest.mark.parametrize("cuts", [[1], [3, 4], [1, 2, 5]])
def test_merged_parts_give_the_metrics_of_the_whole(cuts):
    g = graph()
    rng = np.random.default_rng(1)
    x = (rng.random((6, 12, 5)) < 0.4).astype(np.float64)
    x[4, 3, 2] = 2.5  # a graded value in one sample makes step 3 a MAC step for the whole set
    whole = compute_metrics(g, record_activity(g, x))
    parts = [count_activity(g, record_activity(g, p)) for p in np.split(x, cuts)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    assert merged.batch == 6 and not merged.synapses["fc1"].spiking[3] and merged.synapses["fc1"].spiking[2]
    assert metrics_from_counts(g, merged) == whole
    assert whole.synapses[0].effective_macs > 0


def test_counts_of_different_runs_do_not_merge():
    g = graph()
    x = np.ones((1, 4, 5))
    a = count_activity(g, record_activity(g, x))
    b = count_activity(g, record_activity(g, x, steps=6))
    with pytest.raises(ValueError, match="cannot merge activity counts of different runs"):
        a.merge(b)

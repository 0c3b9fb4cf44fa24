"""Readouts (the seed table's decision rules): spike count and first spike decide
differently on hand-made outputs, ties and silent samples follow the stated rules, the
first-spike rule equals a step-by-step oracle and the zoo modules' own decisions."""

from __future__ import annotations

import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.simulate import accuracy
from snncompile.zoo import first_to_spike
from snncompile.zoo.models import ZOO, Row
from snncompile.zoo.readout import READOUTS, SILENT, first_spike_class, get_readout

COUNT, FIRST, RMSE = (READOUTS[k] for k in ("spike count", "first spike", "regression rmse"))


def trains(*rows: str) -> np.ndarray:
    """One sample per argument: 'class0|class1|...' with one character per step."""
    return np.array([[[float(c) for c in step] for step in zip(*r.split("|"))] for r in rows])


def test_spike_count_and_first_spike_disagree_on_a_hand_made_example():
    # class 2 spikes once, first (step 0); class 1 spikes three times from step 1
    out = trains("0000|0111|1000")
    assert COUNT.decide(out).tolist() == [1]
    assert FIRST.decide(out).tolist() == [2]
    assert COUNT.score(out, np.array([1])) == 1.0 and FIRST.score(out, np.array([1])) == 0.0
    assert COUNT.same_decision(out, trains("0000|0000|1111")) == 0.0  # 1 against 2
    assert FIRST.same_decision(out, trains("0000|0000|1111")) == 1.0  # 2 and 2


def test_ties_go_to_the_lowest_index_and_a_silent_sample_decides_nothing():
    out = trains("0000|0100|0110",   # first spike: 1 and 2 both at step 1 -> 1
                 "0011|0000|0011",   # 0 and 2 at step 2 -> 0; counts tie too -> 0
                 "0000|0000|0000")   # silent
    assert FIRST.decide(out).tolist() == [1, 0, SILENT]
    assert COUNT.decide(out).tolist() == [2, 0, 0]  # a silent sample is class 0 by counts (argmax)
    # silent is wrong against every label, and the same as another silent sample
    assert FIRST.score(out, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert FIRST.same_decision(out, trains("0000|0100|0010", "0010|0000|0001", "0000|0000|0000")) == 1.0


def test_first_spike_equals_a_step_by_step_oracle():
    rng = np.random.default_rng(3)
    out = (rng.random((300, 6, 2, 3)) < 0.08) * rng.integers(1, 4, (300, 6, 2, 3))  # graded, 6 outputs
    expected = []
    for sample in out.reshape(300, 6, 6):
        decided = SILENT
        for step in sample:  # the first step with any spike; in it the lowest index
            fired = np.flatnonzero(step)
            if fired.size:
                decided = int(fired[0])
                break
        expected.append(decided)
    assert first_spike_class(out).tolist() == expected
    assert (np.array(expected) == SILENT).any() and len(set(expected)) > 3


def test_the_zoo_modules_decide_with_the_same_rule():
    rng = np.random.default_rng(0)
    out = (rng.random((200, 16, 10)) < 0.005).astype(float)  # about half silent
    silent = ~out.any(axis=(1, 2))
    assert silent.any()
    fts = first_to_spike.first_spike_class(out)
    assert np.array_equal(fts[~silent], first_spike_class(out)[~silent])
    assert (fts[silent] == first_to_spike.CLASSES).all()  # the closed form's last column


def test_spike_count_is_simulate_accuracy():
    rng = np.random.default_rng(1)
    out, labels = rng.integers(0, 3, (50, 4, 10)).astype(float), rng.integers(0, 10, 50)
    assert COUNT.score(out, labels) == accuracy(out, labels)


def test_regression_scores_rmse_and_has_no_class():
    out, targets = np.array([[[1.0], [2.0]]]), np.array([[[1.0], [4.0]]])
    assert RMSE.score(out, targets) == pytest.approx(np.sqrt(2.0))
    assert RMSE.score(out, np.zeros((1, 3, 1))) is None
    assert RMSE.decide is None and RMSE.same_decision(out, out) is None


def test_rows_name_registered_readouts():
    assert {ZOO[n].row.readout for n in ZOO} == set(READOUTS)
    assert ZOO["tcn"].row.readout == "regression rmse" and ZOO["relpsp"].row.readout == "first spike"
    with pytest.raises(InputError, match="readout 'votes': unknown; known: 'spike count'"):
        Row(readout="votes")
    with pytest.raises(InputError, match="unknown"):
        get_readout("last spike")

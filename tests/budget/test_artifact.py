"""compare --explain's budget of an artifact: the compilation is reproduced with the
stored scales, and refused when the stored integer graph is not what they give."""

import dataclasses

import numpy as np
import pytest

from snncompile.budget.artifact import artifact_budget, differences
from snncompile.compile import build_artifact
from snncompile.errors import UnsupportedError

from .conftest import braille


@pytest.fixture(scope="module")
def artifact(spikes):
    return build_artifact(braille("subtract"), "loihi2", calibrate=spikes[0][:8])


def test_the_budget_of_an_artifact_on_new_input(artifact, spikes):
    x, y = spikes
    budget = artifact_budget(artifact, x[8:16], y[8:16])
    assert [b.name for b in budget.layers] == ["lif1.lif", "lif2"]
    assert all(b.exact == 1.0 for b in budget.layers)


def test_an_artifact_that_is_not_reproduced_is_refused(artifact, spikes):
    fixed = artifact.fixed.copy()
    fc = fixed.nodes["fc2"]
    fixed.nodes["fc2"] = fc.replace(weight=fc.weight + np.eye(*fc.weight.shape, dtype=np.int64))
    assert differences(artifact.fixed, fixed) == ["fc2"]
    with pytest.raises(UnsupportedError, match="cannot reproduce .* fc2"):
        artifact_budget(dataclasses.replace(artifact, fixed=fixed), spikes[0][:4])


def test_fire_on_gt_thresholds_from_calibration_are_named_when_not_reproduced():
    """An exact-grid IF layer with '>=' (weights k/8, threshold 1): its calibrated
    membranes hit the threshold exactly, so fire_on_gt lowers vth by one unit; explain
    cannot see the calibration input and refuses, saying why and what to do."""
    from snncompile.ir import IF, Graph, Input, Linear, Output
    from snncompile.ir.fixed import FixedLIF
    from snncompile.passes.quantize import QuantizeOptions

    rng = np.random.default_rng(5)
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=rng.integers(1, 5, size=(3, 4)) / 8))
    g.add("n", IF(shape=(3,), threshold=1.0, comparator=">="))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc", "n", "y")
    x = (rng.random((4, 40, 4)) < 0.5).astype(float)
    art = build_artifact(g, "loihi2", QuantizeOptions(fire_on_gt=True), calibrate=x)
    plain = build_artifact(g, "loihi2", QuantizeOptions(fire_on_gt=True))
    lowered, kept = art.fixed.nodes["n"], plain.fixed.nodes["n"]
    assert isinstance(lowered, FixedLIF) and lowered.vth == kept.vth - 1
    with pytest.raises(UnsupportedError, match="fire_on_gt the threshold of 'n' was lowered by one unit"):
        artifact_budget(art, x[:2])

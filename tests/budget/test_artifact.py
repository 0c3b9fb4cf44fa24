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

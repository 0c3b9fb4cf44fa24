"""The remedy each source names follows the options in effect: for weights, split them,
then search the scales, then a third part, then split the signs."""

import pytest

from snncompile.budget.sources import SOURCES, remedy


@pytest.mark.parametrize("options, starts", [
    ({}, "--weight-split 2 --bias-split 2"),
    ({"weight_split": 2}, "--bias-split 2"),
    ({"weight_split": 2, "bias_split": 2}, "--scale-search"),
    ({"weight_split": 2, "bias_split": 2, "scale_search": True}, "--weight-split 3"),
    ({"weight_split": 3, "bias_split": 3, "scale_search": True}, "--split-sign"),
])
def test_the_weight_remedy_follows_the_options(options, starts):
    assert remedy("weights", options).startswith(starts)


def test_the_threshold_remedy_is_16_times_the_resolution_in_effect():
    assert remedy("threshold", {}).startswith("--threshold-resolution 4096 ")
    assert remedy("threshold", {"weight_split": 3}).startswith(f"--threshold-resolution {2**21 * 16} ")
    assert set(SOURCES) >= {"weights", "decays", "threshold", "boundary"}

"""The converted digits networks as zoo entries (the conversion itself is tested in
tests/convert/test_conversion.py): the traced graph equals the converted PyTorch module
spike for spike, and the loihi2 compile meets issue 8's acceptance (per chip layer spike
agreement, same class, accuracy within 1 point) on 64 held-out digits."""

import pytest

from tests.zoo import seeds


@pytest.mark.parametrize("name", ["digits-mlp", "digits-cnn"])
def test_float_graph_and_compiled_network(name):
    from snncompile.zoo.table import measure

    m = measure(name, samples=seeds.SAMPLES, estimates=False)
    seeds.assert_float_matches_module(m)
    assert m["pytorch"]["spiking_layers"] == 3  # both hidden IF layers and the output's
    seeds.assert_compiled_matches_float(m)
    seeds.assert_accuracy_kept(m)
    assert m["score"]["metric"] == "accuracy" and m["score"]["pytorch"] == m["score"]["float"]

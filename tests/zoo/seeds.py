"""Shared checks of the issue-8 toys (E, F, H): the acceptance of a compiled zoo network,
measured by the same code that fills the seed table (:func:`snncompile.zoo.table.measure`)."""

from __future__ import annotations

from typing import Any

#: samples of the live checks (the seed table measures every held-out sample)
SAMPLES = 64


def assert_float_matches_module(m: dict[str, Any]) -> None:
    """The traced graph on the reference equals the PyTorch module: every spike of every
    neuron module, and real-valued outputs (graded neurons, the readout) within 1e-5."""
    p = m["pytorch"]
    assert p["spiking_layers"] + p["analog_layers"] >= 1
    if p["spiking_layers"]:
        assert p["spike_agreement"] == 1.0, p
    assert p["output_max_error"] <= 1e-5, p
    if p["analog_layers"]:
        assert p["analog_max_error"] <= 1e-5, p


def assert_compiled_matches_float(m: dict[str, Any]) -> None:
    """loihi2 (emulator) against the float graph: per chip layer spike agreement >= 99 %,
    the same class on >= 98 % of >= 64 samples."""
    c = m["compiled"]
    assert m["samples"] >= 64
    assert c["chip_layers"], "no chip layer"
    assert min(c["chip_layers"].values()) >= 0.99, c["chip_layers"]
    assert c["same_class"] >= 0.98, c


def assert_accuracy_kept(m: dict[str, Any]) -> None:
    """Held-out accuracy of the compiled network within 1 point of float (any classifying
    readout: spike count or first spike)."""
    assert m["score"]["metric"].endswith("accuracy") and m["compiled"]["same_class"] is not None
    assert abs(m["compiled"]["score"] - m["score"]["float"]) <= 0.01, (m["score"], m["compiled"]["score"])


def lava_versus_emulator(name: str, samples: int = 2):
    """Zoo network ``name`` compiled for loihi2 as its row says, with every synapse's
    weight exponent 0 (Lava's CPU convolutions ignore it), run on the emulator and on Lava
    over ``samples`` held-out samples: the pair comparison (every chip layer's spikes)."""
    import dataclasses

    from snncompile.compare import compare_graphs
    from snncompile.zoo.models import zoo_entry, zoo_graph
    from snncompile.zoo.table import _compile

    entry, graph = zoo_entry(name), zoo_graph(name)
    row = dataclasses.replace(entry.row, options={**entry.row.options, "weight_exp": 0})
    q = _compile(graph, row, entry.data("train")[0][:row.calibration])
    return compare_graphs(graph, q.fixed, q.lags, entry.data("test")[0][:samples], ["emulator", "lava"]).pairs[0]


def assert_lava_equals_emulator(name: str) -> None:
    pair = lava_versus_emulator(name)
    assert pair.layers and pair.first_layer is None, pair
    assert all(r.agreement == 1.0 and r.spikes_a == r.spikes_b > 0 for r in pair.layers), pair.layers

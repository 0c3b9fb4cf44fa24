"""Evaluation in one process, against the backends run directly on the whole set."""

import numpy as np
import pytest

from snncompile.cli.output import dumps
from snncompile.datasets import DataOptions, open_data
from snncompile.errors import InputError
from snncompile.estimate.activity import record_activity
from snncompile.estimate.metrics import compute_metrics
from snncompile.estimate.run import resolve_targets
from snncompile.evaluate import evaluate
from snncompile.simulate import classify, get_backend, graph_for

from .conftest import numbers


def test_accuracy_confusion_and_metrics_equal_one_run_over_the_whole_set(braille_graph, braille_shards,
                                                                         braille_arrays):
    x, y, classes = braille_arrays
    ev = evaluate(braille_graph, open_data(braille_shards, braille_graph), "reference", batch_size=32,
                  targets=resolve_targets("cortex-m4"))
    whole = get_backend("reference").run(braille_graph, x)
    predicted = classify(whole.output())
    assert np.array_equal(ev.counts.predicted, predicted)
    assert ev.accuracy == pytest.approx(0.975)  # the figure the CLI test pins for this network and data
    assert ev.correct == int((predicted == y).sum())
    expected = np.zeros((7, 7), np.int64)
    np.add.at(expected, (y, predicted), 1)
    assert np.array_equal(ev.counts.confusion, expected)
    assert [r["name"] for r in ev.per_class()] == list(classes)
    assert [r["accuracy"] for r in ev.per_class()] == [expected[k, k] / 40 for k in range(7)]
    # the metrics of 9 uneven batches are those of one run over all 280 samples, exactly
    assert ev.metrics == compute_metrics(braille_graph, record_activity(braille_graph, x))
    (m4,) = ev.estimates
    assert ev.estimate_rows()[0]["energy_set_j"] == m4.energy_j * 280


def test_batch_size_does_not_change_a_number(braille_graph, braille_shards):
    ds = open_data(braille_shards, braille_graph)
    a = evaluate(braille_graph, ds, "reference", batch_size=280)
    b = evaluate(braille_graph, ds, "reference", batch_size=13)
    assert dumps({**numbers(a), "batch_size": 0}) == dumps({**numbers(b), "batch_size": 0})


def test_a_compiled_artifact_on_the_emulator(braille_artifact, braille_shards, braille_arrays):
    graph = graph_for(braille_artifact, "emulator")
    ev = evaluate(graph, open_data(braille_shards, graph), "emulator", batch_size=50, targets=resolve_targets("loihi"))
    whole = get_backend("emulator").run(graph, braille_arrays[0])
    assert np.array_equal(ev.counts.predicted, classify(whole.output()))
    assert ev.accuracy > 0.9
    assert {e.target for e in ev.estimates} == {"loihi"} and ev.estimates[0].energy_j > 0


def test_unlabelled_data_gives_activity_without_accuracy(braille_graph, braille_arrays, tmp_path):
    np.save(tmp_path / "x.npy", braille_arrays[0][:20])
    ev = evaluate(braille_graph, open_data(tmp_path / "x.npy", braille_graph), "reference")
    assert ev.accuracy is None and ev.per_class() == [] and ev.metrics.spikes > 0


def test_labels_outside_the_outputs_are_named(braille_graph, braille_arrays, tmp_path):
    np.savez(tmp_path / "d.npz", input=braille_arrays[0][:10], labels=np.arange(10))
    with pytest.raises(InputError, match=r"d.npz: label 7 of sample 7 is not one of the network's 7 output classes"):
        evaluate(braille_graph, open_data(tmp_path / "d.npz", braille_graph), "reference", batch_size=4)


def test_limit_and_steps(braille_graph, braille_shards):
    ds = open_data(braille_shards, braille_graph, DataOptions(limit=33))
    ev = evaluate(braille_graph, ds, "reference", batch_size=10, steps=100)
    assert (ev.samples, ev.steps, ev.metrics.steps) == (33, 100, 100)


@pytest.mark.lava
def test_lava_evaluates_what_the_emulator_does(braille_arrays, tmp_path):
    """The zero-reset Braille RNN (the one Lava's LIF can run) compiled for Loihi: Lava,
    which cannot record synapse nodes, gives the emulator's predictions and counts."""
    from snncompile.api import ModelOptions, load_model
    from snncompile.compile import build_artifact

    from .conftest import GRAPH

    x, y, _ = braille_arrays
    float_graph = load_model(str(GRAPH.with_name("braille_noDelay_bias_zero.nir")), ModelOptions(reset="zero"))
    graph = graph_for(build_artifact(float_graph, "loihi", calibrate=x[:64].astype(float)), "lava")
    np.savez(tmp_path / "d.npz", input=x[:3], labels=y[:3])
    ds = open_data(tmp_path / "d.npz", graph)
    lava = evaluate(graph, ds, "lava", batch_size=3)
    emulator = evaluate(graph, ds, "emulator", batch_size=3)
    assert np.array_equal(lava.counts.predicted, emulator.counts.predicted)
    assert np.array_equal(lava.counts.confusion, emulator.counts.confusion)
    assert lava.metrics.spikes == emulator.metrics.spikes > 0
    assert lava.metrics.synaptic_operations == emulator.metrics.synaptic_operations


@pytest.mark.parametrize(("option", "value", "message"), [
    ("workers", 0, "workers=0: must be at least 1"),
    ("chunk_batches", 0, "chunk_batches=0: must be at least 1"),
    ("chunk_batches", -2, "chunk_batches=-2: must be at least 1"),
    ("retries", -1, "retries=-1: must be at least 0"),
])
def test_absurd_scheduling_options_are_refused_by_name(braille_graph, braille_shards, option, value, message):
    """0 chunk batches was taken for 'automatic' and -1 retries passed to Ray (issue 13)."""
    with pytest.raises(InputError, match=message):
        evaluate(braille_graph, open_data(braille_shards, braille_graph), "reference", **{option: value})


def test_a_seeded_random_source_gives_the_same_counts_at_every_batch_size(tmp_path):
    """zoo:first-to-spike (a RandomSpikes source) on 40 held-out digits: batch sizes 1, 7,
    32 and 40 give the same predictions and activity on the reference and, compiled for
    loihi2, the emulator; the emulator's are those of one run over the whole set."""
    from snncompile.passes.quantize import QuantizeOptions, quantize
    from snncompile.zoo import first_to_spike as F

    x, y = F.data("test")
    x, y = F.repeat(x[:40]), y[:40]
    g = F.first_to_spike_graph(*F.logits_model())
    np.savez(tmp_path / "digits.npz", input=x, labels=y)
    fixed = quantize(g, "loihi2", QuantizeOptions(), calibrate=x).fixed
    for graph, backend in ((g, "reference"), (fixed, "emulator")):
        runs = [evaluate(graph, open_data(tmp_path / "digits.npz", graph), backend, batch_size=b) for b in (1, 7, 32, 40)]
        for ev in runs[:-1]:
            assert np.array_equal(ev.counts.predicted, runs[-1].counts.predicted), (backend, ev.batch_size)
            assert dumps({**numbers(ev), "batch_size": 0}) == dumps({**numbers(runs[-1]), "batch_size": 0})
    assert np.array_equal(runs[0].counts.predicted, classify(get_backend("emulator").run(fixed, x).output()))

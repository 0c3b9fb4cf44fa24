import numpy as np
import pytest

from snncompile.compare import (
    MISMATCH_COLUMNS,
    agreement_within,
    aligned,
    aligned_agreement,
    compare_graphs,
    first_difference,
    first_divergence,
    write_mismatches,
)
from snncompile.errors import InputError
from snncompile.ir import IF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize, spec_from_target


@pytest.fixture(scope="module")
def loihi2():
    return spec_from_target("loihi2")


def two_layers(w2=0.5):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("f1", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("f2", Linear(weight=[[w2, 0.5]]))
    g.add("o", IF(shape=(1,), threshold=1.0))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "f1", "h", "f2", "o", "y")
    return g


@pytest.fixture
def x():
    return (np.random.default_rng(1).random((3, 30, 2)) < 0.4).astype(float)


def test_exact_quantization_agrees_everywhere(loihi2, x):
    g = two_layers()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], labels=np.zeros(3))
    assert c.lags["emulator"] == {"h": 1, "o": 2, "y": 2} and c.lags["reference"] == {"h": 0, "o": 0, "y": 0}
    (pair,) = c.pairs
    assert [r.agreement for r in pair.layers] == [1.0, 1.0] and pair.first_layer is None
    assert all(r.spikes_a == r.spikes_b > 0 for r in pair.layers)
    assert c.output_agreement == {"reference vs emulator": 1.0}
    assert c.accuracy["reference"] == c.accuracy["emulator"]
    from snncompile.compare import render_comparison

    shown = render_comparison(c.to_dict())
    assert f"accuracy reference: {c.accuracy['reference']:.4f}" in shown and "identical spikes" in shown


def test_first_divergence_names_layer_and_step(loihi2, x):
    """A fixed graph quantized from a different second layer diverges there first, at the
    first step where the float model's output spikes differ."""
    g, changed = two_layers(), two_layers(w2=0.25)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    (pair,) = c.pairs
    from snncompile.simulate import simulate

    a = simulate(g, x, record=["o"]).recorded["o"]
    b = simulate(changed, x, record=["o"]).recorded["o"]
    expected = int(np.flatnonzero((a != b).any(axis=(0, 2)))[0])
    assert pair.layers[0].first_divergence is None
    assert (pair.first_layer, pair.first_step) == ("o", expected)


def two_branches(a=1.0, b=0.5):
    """x -> f1 -> h (first in layer order) and x -> f2 -> o, two outputs."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("f1", Linear(weight=[[a, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("y1", Output(shape=(2,)))
    g.add("f2", Linear(weight=[[b, 0.5]]))
    g.add("o", IF(shape=(1,), threshold=1.0))
    g.add("y2", Output(shape=(1,)))
    g.chain("x", "f1", "h", "y1")
    g.chain("x", "f2", "o", "y2")
    return g


@pytest.mark.parametrize(("a", "b", "steps", "first"), [
    (1.5, 0.75, {"h": 1, "o": 0}, ("o", 0)),  # the later layer diverges earlier: it is named
    (1.5, 0.25, {"h": 1, "o": 4}, ("h", 1)),  # the earlier layer diverges earlier
])
def test_first_divergence_is_the_earliest_step_over_all_layers(loihi2, x, a, b, steps, first):
    """Two layers diverge (the fixed graph is quantized, exactly, from a network with both
    branches changed): the report names the earliest step, whichever layer comes first in
    layer order; the steps per layer are those of the two float models."""
    g, changed = two_branches(), two_branches(a, b)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    (pair,) = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"]).pairs
    assert [r.layer for r in pair.layers] == ["h", "o"]
    assert {r.layer: r.first_divergence for r in pair.layers} == steps
    assert (pair.first_layer, pair.first_step) == first


def test_divergence_names_sample_and_neuron_and_mismatches_are_all_kept(loihi2, x, tmp_path):
    """The first divergence's sample and neuron, and every mismatch written out, equal
    what two float simulations (the original and the changed network) give directly."""
    g, changed = two_layers(), two_layers(w2=0.25)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], keep_mismatches=True)
    (pair,) = c.pairs
    from snncompile.simulate import simulate

    a = simulate(g, x, record=["o"]).recorded["o"]
    b = simulate(changed, x, record=["o"]).recorded["o"]
    sample, step, neuron = np.nonzero(a != b)
    first = np.lexsort((neuron, sample, step))[0]  # earliest step, then sample, then neuron
    assert (pair.first_step, pair.first_sample, pair.first_neuron) == (step[first], sample[first], neuron[first])
    (kept,) = c.mismatches
    assert c.tolerance_steps == 0 and pair.layers[-1].agreement == pytest.approx(np.mean(a == b))  # exact by default
    assert kept.layer == "o" and len(kept.sample) == int((a != b).sum())
    assert "mismatches" not in c.to_dict()
    csv_path, npz_path = tmp_path / "m.csv", tmp_path / "m.npz"
    assert write_mismatches(str(csv_path), c.mismatches) == len(sample)
    rows = csv_path.read_text().splitlines()
    assert rows[0] == "a,b,layer,sample,step,neuron,value_a,value_b" and len(rows) == len(sample) + 1
    for row in rows[1:]:
        _, _, layer, s, t, n, va, vb = row.split(",")
        assert layer == "o" and (float(va), float(vb)) == (a[int(s), int(t), int(n)], b[int(s), int(t), int(n)])
    write_mismatches(str(npz_path), c.mismatches)
    with np.load(npz_path) as f:
        assert f["step"].tolist() == kept.step.tolist() and set(f["layer"].tolist()) == {"o"}
        assert set(f.files) == set(MISMATCH_COLUMNS)  # the .npz has the .csv's columns
    assert not list(tmp_path.glob(".m.*"))  # no temporary file left: written atomically
    with pytest.raises(InputError, match=".csv or .npz"):
        write_mismatches(str(tmp_path / "m.txt"), c.mismatches)


def test_first_difference_and_agreement_within_k_steps():
    a = np.zeros((2, 8, 3))
    b = np.zeros((2, 8, 3))
    a[1, 3, 2] = b[1, 4, 2] = 1  # one spike moved by one step
    assert first_difference(a, b) == (3, 1, 2) and first_difference(a, a) is None
    assert agreement_within(a, b, 0) == pytest.approx(np.mean(a == b)) and np.mean(a == b) < 1
    assert agreement_within(a, b, 1) == 1.0
    b[0, 6, 0] = 1  # an extra spike with nothing near it in a: never forgiven
    assert agreement_within(a, b, 1) == agreement_within(a, b, 7) == pytest.approx(1 - 1 / a.size)
    assert agreement_within(b, a, 1) == agreement_within(a, b, 1)  # symmetric: an extra spike in either
    a[0, 0, 1] = a[0, 1, 1] = a[0, 2, 1] = 1
    b[0, 0, 1] = b[0, 2, 1] = 1  # a gap inside a burst: a's spike at step 1 has no 0 near it in a
    assert agreement_within(a, b, 1) == pytest.approx(1 - 2 / a.size)
    with pytest.raises(InputError, match="tolerance_steps"):
        agreement_within(a, b, -1)


def test_alignment_never_pads():
    with pytest.raises(InputError, match="cannot cover lag 2"):
        aligned(np.zeros((1, 10, 1)), 2, 9)
    s = np.zeros((1, 6, 1))
    s[0, 3] = 1
    assert aligned_agreement(s[:, :5], s, lag=0) == 1.0
    assert aligned_agreement(s[:, 1:], s, lag=1) == 1.0
    assert first_divergence(s[:, :5], s[:, 1:]) == 2


def test_needs_two_backends(loihi2, x):
    g = two_layers()
    q = quantize(g, loihi2)
    with pytest.raises(InputError, match="at least two backends"):
        compare_graphs(g, q.fixed, q.lags, x, ["reference"])


def test_a_host_segment_output_is_compared_as_values(x):
    """A chip layer read out by a host head (real values): same class and max error, not
    entry-by-entry equality (host float arithmetic sees the chip's spikes, so values agree
    to rounding when the spikes do)."""
    from snncompile.ir.host import Mean
    from snncompile.passes.partition import Capabilities
    from snncompile.targets import load_target

    g = Graph()
    g.add("x", Input(shape=(4, 2)))
    g.add("f1", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(4, 2), threshold=1.0))
    g.add("mean", Mean(axes=(0,)))
    g.add("head", Linear(weight=[[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]], bias=[0.01, 0.0, 0.02]))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "f1", "h", "mean", "head", "y")
    xs = np.repeat(x[:, :, None, :], 4, axis=2)
    q = quantize(g, "loihi2", QuantizeOptions(scale=2**14), capabilities=Capabilities.of(load_target("loihi2")))
    assert q.fixed.nodes["head"].kind == "Linear"  # on the host, in float
    c = compare_graphs(g, q.fixed, q.lags, xs, ["reference", "emulator"], labels=np.zeros(3))
    assert c.output_agreement == {"reference vs emulator": 1.0}
    assert c.output_max_error["reference vs emulator"] < 1e-12
    assert c.accuracy["reference"] == c.accuracy["emulator"]


def test_readout_scale_is_found_through_flattens():
    """An output fed by a membrane readout (through Flatten nodes) carries v / scale; one
    fed by spikes has no scale."""
    from snncompile.compare import readout_scale
    from snncompile.ir import Flatten
    from snncompile.ir.fixed import FixedLIF

    g = Graph()
    g.add("x", Input(shape=(2, 3)))
    g.add("r", FixedLIF(shape=(2, 3), output="v", scale=4.0))
    g.add("f1", Flatten())
    g.add("f2", Flatten())
    g.add("y", Output(shape=(6,)))
    g.add("s", FixedLIF(shape=(2, 3)))
    g.add("z", Output(shape=(2, 3)))
    g.chain("x", "r", "f1", "f2", "y")
    g.chain("x", "s", "z")
    assert readout_scale(g, "y") == 4.0
    assert readout_scale(g, "z") is None


def test_first_difference_at_a_step_is_the_lowest_sample_then_neuron():
    a, b = np.zeros((2, 6, 3)), np.zeros((2, 6, 3))
    a[1, 3, 0] = a[0, 3, 2] = a[1, 4, 1] = 1
    assert first_difference(a, b) == (3, 0, 2)


def test_no_mismatches_write_empty_columns(tmp_path):
    assert write_mismatches(str(tmp_path / "m.npz"), []) == 0
    with np.load(tmp_path / "m.npz") as f:
        assert set(f.files) == set(MISMATCH_COLUMNS) and all(f[k].size == 0 for k in f.files)


def test_aligned_agreement_covers_every_step_of_the_reference():
    """Fraction of equal entries over all of the reference's steps after its lag (here
    more steps than neurons), counted by hand."""
    ref = np.zeros((1, 6, 2))
    other = np.zeros((1, 7, 2))
    other[0, 6, 1] = 1  # differs at the reference's last step (other lags by one)
    assert aligned_agreement(ref, other, lag=1) == pytest.approx(11 / 12)
    ref[0, 5, 1] = 1
    assert aligned_agreement(ref, other, lag=1, ref_lag=0) == 1.0
    assert aligned_agreement(ref, other[:, 2:], lag=0, ref_lag=1) == 1.0


def test_mismatches_of_a_wide_layer_name_each_entry():
    """Every differing (sample, step, neuron) of a layer of several neurons, with both
    values, as np.nonzero on the two recordings gives them."""
    from snncompile.compare import mismatches_of

    x = np.zeros((2, 3, 4))
    y = np.zeros((2, 3, 4))
    x[1, 2, 3] = y[0, 1, 2] = 1
    m = mismatches_of("a", "b", "h", x, y)
    assert (m.sample.tolist(), m.step.tolist(), m.neuron.tolist()) == ([0, 1], [1, 2], [2, 3])
    assert (m.value_a.tolist(), m.value_b.tolist()) == ([0.0, 1.0], [1.0, 0.0])


def test_one_backend_left_is_refused_with_the_others_reason(x):
    """The emulator cannot run a float graph: only the reference is left, so there is
    nothing to compare with and the error says why the emulator was left out."""
    from snncompile.errors import UnsupportedError

    g = two_layers()
    with pytest.raises(UnsupportedError, match="compare needs two backends.*emulator: "):
        compare_graphs(g, g, {n: 0 for n in g.nodes}, x, ["reference", "emulator"])


def test_batch_is_the_number_of_samples(loihi2):
    """The comparison's batch is the inputs' first axis (5 samples of 2 inputs)."""
    g = two_layers()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    x = (np.random.default_rng(4).random((5, 12, 2)) < 0.4).astype(float)
    assert compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"]).batch == 5


def test_a_short_run_is_named_with_its_length():
    with pytest.raises(InputError, match=r"a run of 10 steps cannot cover lag 2 \+ 9 steps"):
        aligned(np.zeros((1, 10, 3)), 2, 9)


def test_no_progress_unless_asked_and_the_output_agreement_is_shown(loihi2, x, monkeypatch):
    """compare_graphs asks the backends for no progress bar by default; the rendered
    comparison lists the output agreement of each pair."""
    import snncompile.simulate.reference as reference
    from snncompile.compare import render_comparison

    asked = []
    real = reference.steps_with_progress
    monkeypatch.setattr(reference, "steps_with_progress", lambda steps, enabled, label: (
        asked.append(enabled), real(steps, enabled, label))[1])
    g = two_layers()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    assert asked == [False]
    assert "output agreement reference vs emulator: 1.0000" in render_comparison(c.to_dict())


def test_nothing_to_compare_agrees_fully():
    """No entries (no steps): agreement 1.0, exact or within k steps."""
    empty = np.zeros((2, 0, 3))
    assert agreement_within(empty, empty, 0) == agreement_within(empty, empty, 2) == 1.0


def test_a_negative_tolerance_is_refused_before_anything_runs(loihi2, x, monkeypatch):
    import snncompile.simulate.reference as reference

    ran = []
    monkeypatch.setattr(reference, "steps_with_progress", lambda steps, enabled, label: ran.append(label) or range(steps))
    g = two_layers()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    with pytest.raises(InputError, match="tolerance_steps=-1: must be 0 or more"):
        compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], tolerance_steps=-1)
    assert ran == []


def test_the_rendered_divergence_names_its_sample_and_neuron():
    """A hand-built comparison (the ``--json`` shape render_comparison reads): the first
    divergence line names the sample and neuron when it has them, and neither when not."""
    from snncompile.compare import render_comparison

    pair = {"a": "reference", "b": "emulator", "layers": [], "first_layer": "o", "first_step": 5,
            "first_sample": 2, "first_neuron": 1}
    result = {"backends": ["reference", "emulator"], "batch": 3, "steps": 30, "pairs": [pair]}
    assert "first divergence: layer 'o' at step 5, sample 2, neuron 1 (neuron:" in render_comparison(result)
    bare = {**result, "pairs": [{**pair, "first_sample": None, "first_neuron": None}]}
    assert "first divergence: layer 'o' at step 5 (neuron:" in render_comparison(bare)


def test_two_outputs_get_an_agreement_each(loihi2, x):
    """Two outputs: one agreement per output, keyed by its name; the unchanged branch
    (y1) agrees fully, the changed one (y2) as two float simulations of the original and
    the changed network say (the fixed graph is the changed one, quantized exactly)."""
    from snncompile.simulate import simulate

    g, changed = two_branches(), two_branches(1.0, 0.25)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    y2 = np.mean(simulate(g, x).outputs["y2"] == simulate(changed, x).outputs["y2"])
    assert y2 < 1
    assert c.output_agreement == {"reference vs emulator (y1)": 1.0,
                                  "reference vs emulator (y2)": pytest.approx(y2)}


def test_the_first_divergence_of_a_wide_layer_names_its_sample_and_neuron(loihi2, x):
    """Only the first branch changed (h, two neurons): the first divergence is where two
    float simulations of h differ first (earliest step, then sample, then neuron); with
    this data sample and neuron differ, so neither can stand for the other."""
    from snncompile.simulate import simulate

    g, changed = two_branches(), two_branches(a=0.25)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    (pair,) = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"]).pairs
    a, b = simulate(g, x, record=["h"]).recorded["h"], simulate(changed, x, record=["h"]).recorded["h"]
    sample, step, neuron = np.nonzero(a != b)
    first = np.lexsort((neuron, sample, step))[0]
    assert sample[first] != neuron[first]
    assert (pair.first_layer, pair.first_step, pair.first_sample, pair.first_neuron) == (
        "h", step[first], sample[first], neuron[first])


def test_an_empty_reference_agrees_fully():
    """No steps left after the reference's lag, or a layer of no neurons: nothing differs."""
    assert aligned_agreement(np.zeros((1, 3, 2)), np.zeros((1, 5, 2)), lag=2, ref_lag=3) == 1.0
    assert aligned_agreement(np.zeros((2, 4, 0)), np.zeros((2, 4, 0)), lag=0) == 1.0


def test_a_spike_moved_off_the_first_step_agrees_within_one_step():
    """a spikes at step 0, b at step 1: within +-1 step each entry finds its value in the
    other train (a's spike at b's step 1, b's silence at a's step 1, ...): full agreement;
    exactly, two of the 2 x 4 entries differ."""
    a, b = np.zeros((1, 4, 2)), np.zeros((1, 4, 2))
    a[0, 0, 1] = b[0, 1, 1] = 1
    assert agreement_within(a, b, 0) == pytest.approx(6 / 8)
    assert agreement_within(a, b, 1) == agreement_within(b, a, 1) == 1.0


def test_skipped_and_failed_backends_are_rendered_with_their_reason():
    from snncompile.compare import render_comparison

    result = {"backends": ["reference", "emulator"], "batch": 1, "steps": 4, "pairs": [],
              "skipped": {"lava": "lava is not installed"}, "failed": {"onnx": "stopped after 60 s"}}
    shown = render_comparison(result).splitlines()
    assert "skipped lava: lava is not installed" in shown and "FAILED onnx: stopped after 60 s" in shown


def test_a_bare_array_feeds_the_first_input(loihi2, x):
    """A bare array is the graph's first input: a graph of two inputs then lacks the second."""
    g = Graph()
    g.add("x1", Input(shape=(2,)))
    g.add("x2", Input(shape=(2,)))
    g.add("f1", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("y", Output(shape=(2,)))
    g.chain("x1", "f1", "h", "y")
    g.add("f2", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("o", IF(shape=(2,), threshold=1.0))
    g.add("z", Output(shape=(2,)))
    g.chain("x2", "f2", "o", "z")
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    with pytest.raises(InputError, match=r"no data for input node\(s\) \['x2'\]"):
        compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])


def test_the_spike_table_is_shown_only_when_nothing_is_compared():
    """The per-layer spike table stands in for the comparison when one backend is left
    (no pairs); beside a pair it would repeat the pair's spike columns."""
    from snncompile.compare import render_comparison

    spikes = {"reference": {"h": 7}}
    one_left = {"backends": ["reference"], "batch": 1, "steps": 4, "pairs": [], "spikes_by_backend": spikes}
    assert "nothing to compare with" in render_comparison(one_left)
    pair = {"a": "reference", "b": "emulator", "layers": [], "first_layer": None, "first_step": None}
    both = {**one_left, "backends": ["reference", "emulator"], "pairs": [pair],
            "spikes_by_backend": {**spikes, "emulator": {"h": 7}}}
    shown = render_comparison(both)
    assert "identical spikes in every layer" in shown and "nothing to compare with" not in shown


def test_a_membrane_readout_is_compared_in_float_units(loihi2, x):
    """An LI readout: the emulator's integer v divided by the readout's scale (1024 units
    per float unit here) is the float v to within a few units of rounding per step, far
    below 0.01 of the float values' range (2.1)."""
    from snncompile.ir import LI
    from snncompile.simulate import simulate

    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("f1", Linear(weight=[[1.0, 0.5], [0.5, 1.0]]))
    g.add("h", IF(shape=(2,), threshold=1.0))
    g.add("f2", Linear(weight=[[0.75, 0.5], [0.25, 1.0]]))
    g.add("r", LI(shape=(2,), decay=0.5))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "f1", "h", "f2", "r", "y")
    q = quantize(g, loihi2, QuantizeOptions(scale=2**10))
    assert q.fixed.nodes["r"].scale == 1024
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    assert np.abs(simulate(g, x).outputs["y"]).max() > 1
    assert 0 < c.output_max_error["reference vs emulator"] < 0.01


def test_mismatches_only_when_asked_and_left_out_of_equality(loihi2, x):
    """Mismatches are kept only with keep_mismatches; two runs of the same comparison are
    equal whatever they kept (the kept arrays take no part in ==)."""
    g, changed = two_layers(), two_layers(w2=0.25)
    q = quantize(changed, loihi2, QuantizeOptions(scale=2**14))
    plain = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    kept = [compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], keep_mismatches=True) for _ in range(2)]
    assert plain.mismatches == () and len(kept[0].mismatches) == 1
    assert kept[0] == kept[1] == plain


def test_accuracy_only_with_labels_and_one_output(loihi2, x):
    """Accuracy needs labels, and one output to read them against."""
    g = two_layers()
    q = quantize(g, loihi2, QuantizeOptions(scale=2**14))
    assert compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"]).accuracy == {}
    g2 = two_branches()
    q2 = quantize(g2, loihi2, QuantizeOptions(scale=2**14))
    assert compare_graphs(g2, q2.fixed, q2.lags, x, ["reference", "emulator"], labels=np.zeros(3)).accuracy == {}

"""The hand-built L2MU graph classifies real Braille samples and has the published
structure (a four-hop chain within one step, delayed recurrent inputs)."""

from pathlib import Path

import numpy as np

from snncompile.estimate.activity import record_activity
from snncompile.estimate.metrics import compute_metrics
from snncompile.simulate import accuracy
from snncompile.zoo.l2mu import load_l2mu

DATA = Path(__file__).parent.parent / "data"


def test_l2mu_structure():
    g = load_l2mu(DATA / "l2mu")
    order = g.step_order()
    chain = ["x", "e_x", "u", "B", "m", "W_m", "h", "W_o", "out", "y"]
    assert [n for n in order if n in chain] == chain  # all within one step
    delayed = sorted((e.src, e.dst) for e in g.edges if e.delay == 1)
    assert delayed == [("h", "W_h"), ("h", "e_h"), ("m", "A"), ("m", "e_m")]
    assert g.nodes["m"].shape == (490,) and g.nodes["A"].weight.shape == (490, 490)
    assert np.count_nonzero(g.nodes["A"].weight) <= 70 * 49  # block diagonal, one 7x7 per unit


def test_l2mu_classifies_real_braille_samples():
    g = load_l2mu(DATA / "l2mu")
    d = np.load(DATA / "braille" / "braille7_fold0.npz")
    x = d["spikes"][:4].astype(np.float64)
    act = record_activity(g, x)
    assert accuracy(act.emitted["y"], d["labels"][:4]) == 1.0
    m = compute_metrics(g, act)
    # the block-diagonal A stores 490 x 490 weights, of which at most 70 x 49 are nonzero
    a = next(s for s in m.synapses if s.name == "A")
    assert a.effective_acs <= a.synaptic_events * 7 / 490 + 1e-9


def test_l2mu_graph_equals_snntorch_cell():
    """The hand-built graph against the same cell built from snnTorch's own ``Leaky``
    (float64): spike for spike over 256 steps, membranes within 1e-6."""
    import torch

    from snncompile.simulate import get_backend
    from snncompile.zoo.l2mu import l2mu_module

    d = np.load(DATA / "braille" / "braille7_fold0.npz")
    x = d["spikes"][:3].astype(np.float64)
    g = load_l2mu(DATA / "l2mu")
    res = get_backend("reference").run(g, x, record=["u", "m", "h", "out"], membranes=["u", "m", "h", "out"])
    cell = l2mu_module(DATA / "l2mu")
    spikes = {k: [] for k in ("u", "m", "h", "out")}
    mems = {k: [] for k in spikes}
    with torch.no_grad():
        for t in range(x.shape[1]):
            cell(torch.as_tensor(x[:, t]))
            for k, (s, v) in cell.recorded.items():
                spikes[k].append(s.numpy())
                mems[k].append(v.numpy())
    for k in spikes:
        theirs = np.stack(spikes[k], axis=1).reshape(res.recorded[k].shape)  # memory unit-major
        assert theirs.sum() > 0, k
        np.testing.assert_array_equal(res.recorded[k], theirs, err_msg=k)
        v = np.stack(mems[k], axis=1).reshape(theirs.shape)
        np.testing.assert_allclose(res.membranes[k], v, atol=1e-6, err_msg=k)


def test_zoo_l2mu_uses_the_shipped_cell_and_folds():
    from snncompile.zoo.models import zoo_entry, zoo_graph

    g = zoo_graph("l2mu")
    assert g.nodes["x"].carries == "spikes"
    x, y = zoo_entry("l2mu").data("test")
    ref = np.load(DATA / "braille" / "braille7_fold0.npz")
    np.testing.assert_array_equal(x, ref["spikes"])
    np.testing.assert_array_equal(y, ref["labels"])


def test_l2mu_compiled_for_loihi2_with_retiming_keeps_its_classes():
    """The retimed L2MU whole on loihi2 (emulator, lag cut off) gives the class of the
    retimed float model it keeps on held-out Braille samples (fold 0), and that model the
    original's on all but a few (docs/l2mu.md has the whole folds)."""
    from snncompile.compile import build_artifact
    from snncompile.passes.quantize import QuantizeOptions
    from snncompile.simulate import classify, get_backend
    from snncompile.zoo.l2mu import braille
    from snncompile.zoo.models import zoo_graph

    g = zoo_graph("l2mu")
    x, y = braille("test")
    x, y = x[:40], y[:40]
    art = build_artifact(g, "loihi2", QuantizeOptions(retime_recurrences=True), calibrate=braille("train")[0][:24])
    assert art.partition is None or not art.partition.host_nodes
    lag = int(art.lags["y"])
    emu = get_backend("emulator").run(art.fixed, x, steps=x.shape[1] + lag).outputs["y"][:, lag:]
    retimed = get_backend("reference").run(art.float_graph, x).outputs["y"]
    original = get_backend("reference").run(g, x).outputs["y"]
    assert np.mean(classify(emu) == classify(retimed)) >= 39 / 40
    assert np.mean(classify(retimed) == classify(original)) >= 39 / 40
    assert accuracy(emu, y) >= accuracy(original, y) - 1 / 40

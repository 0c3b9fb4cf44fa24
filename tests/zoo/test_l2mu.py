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

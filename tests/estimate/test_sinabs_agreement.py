"""sinabs counts synops as input spikes x fan-out (zero weights included, border-aware
for convolutions): our ``synaptic_events`` equals its SNNAnalyzer on the same network."""

import warnings

import numpy as np
import pytest
import torch

from snncompile.estimate.activity import record_activity
from snncompile.estimate.metrics import compute_metrics
from snncompile.ir import IF, Comparator, Conv2d, Flatten, Graph, Input, Linear, Output, Reset

sl = pytest.importorskip("sinabs.layers")
activation = pytest.importorskip("sinabs.activation")
synopcounter = pytest.importorskip("sinabs.synopcounter")
pytestmark = pytest.mark.frameworks
B, T = 3, 12


def _nets(seed: int):
    torch.manual_seed(seed)
    conv = torch.nn.Conv2d(2, 4, 3, padding=1, stride=1, bias=False)
    fc = torch.nn.Linear(4 * 6 * 6, 5, bias=False)
    with torch.no_grad():
        conv.weight.mul_(3.0)
        conv.weight[0, 0] = 0.0  # zero weights still count in sinabs's definition
        fc.weight.mul_(4.0)
    one = activation.SingleSpike  # the default MultiSpike emits graded counts
    model = torch.nn.Sequential(conv, sl.IAFSqueeze(batch_size=B, spike_fn=one), torch.nn.Flatten(), fc,
                                sl.IAFSqueeze(batch_size=B, spike_fn=one))
    # sinabs IAF: v += x; spike when v >= threshold (1); subtract the threshold at once
    g = Graph()
    g.add("x", Input(shape=(2, 6, 6)))
    g.add("conv", Conv2d(weight=conv.weight.detach().double().numpy(), padding=1))
    g.add("n1", IF(shape=(4, 6, 6), threshold=1.0, reset=Reset.SUBTRACT, comparator=Comparator.GE))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=fc.weight.detach().double().numpy()))
    g.add("n2", IF(shape=(5,), threshold=1.0, reset=Reset.SUBTRACT, comparator=Comparator.GE))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "conv", "n1", "flat", "fc", "n2", "y")
    return model, g


@pytest.mark.parametrize("seed", [0, 1])
def test_synaptic_events_equal_sinabs_synops(seed):
    model, g = _nets(seed)
    x = (torch.rand((B, T, 2, 6, 6), generator=torch.Generator().manual_seed(seed)) < 0.3).float()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        analyzer = synopcounter.SNNAnalyzer(model)
    with torch.no_grad():
        out = model(x.reshape(B * T, 2, 6, 6)).reshape(B, T, 5)
    theirs = {k: float(v["synops"]) for k, v in analyzer.get_layer_statistics()["parameter"].items()}
    act = record_activity(g, x.double().numpy())
    assert np.array_equal(act.emitted["n2"], np.abs(out.numpy()))  # same spikes (sinabs has -0.0)
    assert act.emitted["n1"].sum() > 0
    ours = {s.name: s.synaptic_events for s in compute_metrics(g, act).synapses}
    assert ours["conv"] == pytest.approx(theirs["0"])
    assert ours["fc"] == pytest.approx(theirs["3"])

"""SpikingJelly 2.0.0 neurons traced and compared with SpikingJelly's own forward pass,
single-step and multi-step, in float64 (SpikingJelly's torch reference path)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

sj = pytest.importorskip("spikingjelly.activation_based")
pytestmark = pytest.mark.frameworks

from spikingjelly.activation_based import functional, layer, neuron  # noqa: E402

from snncompile.errors import UnsupportedError  # noqa: E402
from snncompile.frontends.torch import trace  # noqa: E402
from snncompile.ir import Comparator, Reset  # noqa: E402


def v_of(module, output):
    return module.v


def v_seq_of(module, output):
    return module.v_seq


def make(kind: str, v_reset, decay_input=True, step_mode="s", **kw):
    common = dict(v_reset=v_reset, step_mode=step_mode, store_v_seq=step_mode == "m", **kw)
    if kind == "IF":
        return neuron.IFNode(**common)
    if kind == "LIF":
        return neuron.LIFNode(tau=3.0, decay_input=decay_input, **common)
    return neuron.ParametricLIFNode(init_tau=2.5, decay_input=decay_input, **common)


def mlp(kind, v_reset, decay_input, step_mode="s"):
    torch.manual_seed(4)
    lin = (lambda i, o: layer.Linear(i, o, step_mode=step_mode)) if step_mode == "m" else nn.Linear
    return nn.Sequential(
        lin(8, 12), make(kind, v_reset, decay_input, step_mode, v_threshold=0.6),
        lin(12, 4), make(kind, v_reset, decay_input, step_mode),
    )


CASES = [(k, r, d) for k, r, d in itertools.product(["IF", "LIF", "PLIF"], [0.0, None, -0.5], [True, False])
         if not (k == "IF" and not d)]


@pytest.mark.parametrize("kind,v_reset,decay_input", CASES)
def test_single_step(compare, kind, v_reset, decay_input):
    out = compare(mlp(kind, v_reset, decay_input), (8,), v_of, reset=functional.reset_net, scale=1.2)
    node = out["graph"].nodes["1"]
    assert node.comparator is Comparator.GE
    assert node.reset is (Reset.SUBTRACT if v_reset is None else Reset.ZERO)


@pytest.mark.parametrize("kind,v_reset", [("LIF", 0.0), ("PLIF", None), ("IF", -0.5)])
def test_multi_step(compare, kind, v_reset):
    model = mlp(kind, v_reset, True, step_mode="m")
    compare(model, (8,), v_seq_of, reset=functional.reset_net, scale=1.2, multistep=True)


def test_multi_step_conv_net_with_containers(compare):
    torch.manual_seed(6)
    model = nn.Sequential(
        layer.SeqToANNContainer(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)),
        neuron.LIFNode(tau=2.0, step_mode="m", store_v_seq=True),
        layer.MaxPool2d(2, step_mode="m"),
        layer.Flatten(step_mode="m"),
        layer.Dropout(0.3, step_mode="m"),
        layer.Linear(4 * 3 * 3, 5, step_mode="m"),
        neuron.IFNode(v_reset=None, step_mode="m", store_v_seq=True),
    )
    out = compare(model, (2, 6, 6), v_seq_of, reset=functional.reset_net, scale=1.5, multistep=True)
    assert out["graph"].nodes["0.1"].kind == "BatchNorm"


def test_single_step_float32(compare):
    compare(mlp("LIF", 0.0, True), (8,), v_of, reset=functional.reset_net, scale=1.2, dtype=torch.float32)


@pytest.mark.parametrize("kind", ["LIF", "PLIF"])
def test_multi_step_float32_fused_kernels(compare, kind):
    """In float32 SpikingJelly runs its fused multi-step kernels (not the torch loop).
    Not IF: multi-step layer.Linear multiplies a (T*B)-row matrix where the simulator
    multiplies B rows; float32 BLAS rounds those differently (~1 ulp), and a neuron
    without leak sums the differences up to a few 1e-6 over 100 steps (float64: 1e-15)."""
    model = mlp(kind, 0.0, True, step_mode="m")
    compare(model, (8,), v_seq_of, reset=functional.reset_net, scale=1.2, multistep=True, dtype=torch.float32)


def test_unknown_spikingjelly_neuron_is_named():
    model = nn.Sequential(nn.Linear(3, 3), neuron.QIFNode())
    with pytest.raises(UnsupportedError, match=r"module '1' \(QIFNode\) is not supported.*IFNode"):
        trace(model, (3,))


@pytest.mark.parametrize("v_reset", [0.0, None])
def test_threshold_ties_fire(compare, dyadic, v_reset):
    """v == v_threshold happens here; SpikingJelly fires on it (>=)."""
    torch.manual_seed(8)
    model = dyadic(nn.Sequential(nn.Linear(8, 12), neuron.LIFNode(tau=2.0, v_reset=v_reset),
                                 nn.Linear(12, 4), neuron.IFNode(v_reset=v_reset)), step=0.5)
    compare(model, (8,), v_of, reset=functional.reset_net, binary_input=True)


def test_non_spiking_surrogate_is_refused():
    from spikingjelly.activation_based import surrogate

    model = nn.Sequential(nn.Linear(3, 3), neuron.LIFNode(surrogate_function=surrogate.Sigmoid(spiking=False)))
    with pytest.raises(UnsupportedError, match="spiking=False"):
        trace(model, (3,))


def test_threshold_dependent_batchnorm_traces_and_folds(compare):
    """tdBN (trained: statistics and affine terms away from their defaults) traces to a
    BatchNorm that fold_batchnorm merges into the convolution, spikes unchanged."""
    from snncompile.passes.fold_batchnorm import fold_batchnorm
    from snncompile.simulate import simulate

    torch.manual_seed(7)
    tdbn = layer.ThresholdDependentBatchNorm2d(alpha=1.0, v_th=0.5, num_features=4)
    with torch.no_grad():
        tdbn.running_mean.uniform_(-0.2, 0.2)
        tdbn.running_var.uniform_(0.5, 1.5)
        tdbn.weight.uniform_(0.3, 0.8)
        tdbn.bias.uniform_(-0.1, 0.1)
    model = nn.Sequential(
        layer.Conv2d(2, 4, 3, padding=1, step_mode="m"), tdbn,
        neuron.LIFNode(tau=2.0, v_threshold=0.5, step_mode="m", store_v_seq=True),
        layer.Flatten(step_mode="m"), layer.Linear(4 * 6 * 6, 3, step_mode="m"),
        neuron.IFNode(step_mode="m", store_v_seq=True),
    )
    out = compare(model, (2, 6, 6), v_seq_of, reset=functional.reset_net, scale=1.5, multistep=True)
    graph = out["graph"]
    assert graph.nodes["1"].kind == "BatchNorm"
    folded = fold_batchnorm(graph)
    assert "1" not in folded.nodes
    x = np.random.default_rng(0).random((2, 30, 2, 6, 6)) * 4.0
    a, b = simulate(graph, x, record=["2", "5"]), simulate(folded, x, record=["2", "5"])
    assert a.recorded["2"].mean() > 0.01
    for n in ("2", "5"):
        assert np.array_equal(a.recorded[n], b.recorded[n])

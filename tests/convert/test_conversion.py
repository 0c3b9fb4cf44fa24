"""ANN -> SNN conversion, checked against SpikingJelly's ann2snn pieces (its
``VoltageHook`` statistics, its ``IFNode`` between ``VoltageScaler``s), against the
converted module's own traced graph and against the ANN's accuracy on held-out digits."""

import numpy as np
import pytest
import torch
from torch import nn

from snncompile.convert import (
    ConvertOptions,
    accuracy_against_steps,
    ann_accuracy,
    convert,
    run_steps,
)
from snncompile.errors import InputError
from snncompile.simulate import accuracy, get_backend
from snncompile.zoo.digits_ann import digits8, load_ann, sequence


@pytest.fixture(scope="module")
def digits():
    return digits8("train"), digits8("test")


def relu_outputs(ann: nn.Module, x: np.ndarray) -> list[torch.Tensor]:
    """Each nn.ReLU's output and the network's output (forward hooks: not our tracer)."""
    seen: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: seen.append(out.detach()))
             for m in ann.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        seen_out = ann(torch.as_tensor(x))
    for h in hooks:
        h.remove()
    return seen + [seen_out]


@pytest.mark.parametrize("name", ["mlp", "cnn"])
@pytest.mark.parametrize("normalize,mode", [("max", "max"), ("percentile", "99.9%")])
def test_scales_are_spikingjelly_voltagehook_statistics(digits, name, normalize, mode):
    from spikingjelly.activation_based.ann2snn.modules import VoltageHook

    (x, _), _ = digits
    ann = load_ann(name)
    conversion = convert(ann, x[:300], ConvertOptions(normalize=normalize))
    expected = []
    for values in relu_outputs(ann, x[:300]):
        hook = VoltageHook(mode=mode).train()
        hook(values)  # one batch: its scale is that batch's statistic
        expected.append(float(hook.scale))
    assert list(conversion.scales.values()) == pytest.approx(expected, rel=1e-12)


def test_the_mlp_is_spikingjelly_ifnodes_between_voltage_scalers(digits):
    """fc -> VoltageScaler(1/l) -> IFNode(v_reset=None) -> VoltageScaler(l) per ReLU, the
    output through VoltageScaler(1/l) -> IFNode: spike for spike over 40 steps."""
    from spikingjelly.activation_based import functional, neuron
    from spikingjelly.activation_based.ann2snn.modules import VoltageScaler

    (x, _), (xt, _) = digits
    ann = load_ann("mlp")
    conversion = convert(ann, x, ConvertOptions(normalize="percentile"))
    s1, s2, so = conversion.scales.values()
    sj = nn.Sequential(nn.Flatten(), ann.fc1, VoltageScaler(1 / s1), neuron.IFNode(v_reset=None), VoltageScaler(s1),
                       ann.fc2, VoltageScaler(1 / s2), neuron.IFNode(v_reset=None), VoltageScaler(s2),
                       ann.fc3, VoltageScaler(1 / so), neuron.IFNode(v_reset=None)).double()
    functional.reset_net(sj)
    conversion.model.reset()
    inp = torch.as_tensor(xt[:40])
    with torch.no_grad():
        spikes = [(conversion.model(inp), sj(inp)) for _ in range(40)]
    ours, theirs = (torch.stack(s).numpy() for s in zip(*spikes))
    assert theirs.sum() > 100
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", ["mlp", "cnn"])
@pytest.mark.parametrize("options", [ConvertOptions(), ConvertOptions(neuron="lif", reset="zero", normalize="max")])
def test_the_traced_graph_is_the_converted_module(digits, name, options):
    (x, _), _ = digits
    conversion = convert(load_ann(name), x, options)
    graph = conversion.graph()
    seq = sequence("test", 24)[0][:20]
    ours = get_backend("reference").run(graph, seq).output()
    counts = run_steps(conversion.model, seq[:, 0], 24).numpy()
    assert counts.sum() > 0
    np.testing.assert_array_equal(ours.sum(axis=1), counts)


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_accuracy_approaches_the_anns_within_one_point(digits, name):
    (x, _), (xt, yt) = digits
    ann = load_ann(name)
    against_t = accuracy_against_steps(convert(ann, x).model, xt, yt, [4, 64])
    assert against_t[4] < against_t[64]  # rate coding needs steps
    assert abs(against_t[64] - ann_accuracy(ann, xt, yt)) <= 0.01


def test_compiled_for_loihi2_keeps_the_float_accuracy(digits):
    """The converted MLP compiled for loihi2 (the emulator, its lag cut off) classifies 120
    held-out digits within one point of its float graph."""
    from snncompile.compile import build_artifact

    (x, _), _ = digits
    graph = convert(load_ann("mlp"), x).graph()
    seq, y = sequence("test", 64)
    seq, y = seq[:120], y[:120]
    art = build_artifact(graph, "loihi2", calibrate=sequence("train", 64)[0][:32])
    lag = int(art.lags[graph.outputs[0]])
    emu = get_backend("emulator").run(art.fixed, seq, steps=64 + lag).output()[:, lag:]
    ref = get_backend("reference").run(graph, seq).output()
    assert abs(accuracy(emu, y) - accuracy(ref, y)) <= 0.01
    assert accuracy(ref, y) > 0.9


def test_bad_inputs_are_one_line_errors(digits):
    (x, _), _ = digits
    with pytest.raises(InputError, match="normalize must be one of"):
        ConvertOptions(normalize="mean")
    with pytest.raises(InputError, match="percentile must be in"):
        ConvertOptions(percentile=0)
    with pytest.raises(InputError, match="no ReLU"):
        convert(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)), x)
    with pytest.raises(InputError, match="calibration must be"):
        convert(load_ann("mlp"), np.zeros(3))
    dead = nn.Sequential(nn.Flatten(), nn.Linear(64, 4), nn.ReLU(), nn.Linear(4, 10))
    with torch.no_grad():
        dead[1].bias.fill_(-100.0)
    with pytest.raises(InputError, match="positive scale"):
        convert(dead, x)


def test_the_converted_cnn_runs_on_loihi2_but_its_static_first_conv():
    """Each lambda folds into the next (pooled) conv or Linear: only the input and conv1
    (computed once per sample from the static image, entered as a bias) stay on the host."""
    from snncompile.compile import build_artifact

    graph = convert(load_ann("cnn"), digits8("train")[0]).graph()
    art = build_artifact(graph, "loihi2", calibrate=sequence("train", 8)[0][:8])
    assert art.partition is not None and set(art.partition.host_nodes) == {"input", "conv1"}


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_compiled_for_cortex_m4_the_generated_c_keeps_the_accuracy(digits, name):
    """The converted network compiled for cortex-m4 and run as generated C (gcc on this
    machine; the static first synapse on the host, replayed): every output of the 450
    held-out digits equals the emulator's, every chip node's payload, u and v on 4 of them; its
    accuracy is within one point of the float graph's and of the ANN's."""
    from snncompile.compile import build_artifact
    from snncompile.emulator import emulate
    from snncompile.testing.fixed_graphs import compare_runs

    (x, _), (xt, yt) = digits
    ann = load_ann(name)
    graph = convert(ann, x).graph()
    art = build_artifact(graph, "cortex-m4", calibrate=sequence("train", 64)[0][:64])
    assert set(art.lags.values()) == {0} and art.partition is not None
    assert any(n in art.partition.host_nodes for n in ("fc1", "conv1"))  # a mixed graph: host part replayed
    seq, y = sequence("test", 64)
    c_backend = get_backend("c")
    c = c_backend.run(art.fixed, seq).output()
    assert np.array_equal(c, emulate(art.fixed, seq).output())
    ref = get_backend("reference").run(graph, seq).output()
    assert abs(accuracy(c, y) - accuracy(ref, y)) <= 0.01
    assert abs(accuracy(c, y) - ann_accuracy(ann, xt, yt)) <= 0.01  # 0.9733 (MLP), 0.9422 vs 0.9444 (CNN)
    record = dict(record="all", membranes="neurons", currents="neurons")
    assert compare_runs(emulate(art.fixed, seq[:4], **record), c_backend.run(art.fixed, seq[:4], **record),
                        art.fixed) == []


def test_accuracy_against_steps_decides_by_the_readout():
    """Output spikes replayed step by step from the hand case whose first spike and spike
    count disagree (tests/readout_cases.py), labels 1, 0, 1. After 2 steps sample 0 has one
    spike, on class 1 (count: 1, 0, 0 -> 2/3; first spike: 1, none, none -> 1/3); after 8
    count says 0, 0, 0 (1/3), first spike 1, 0, none (2/3)."""
    from tests.readout_cases import disagreeing_inputs

    class Replay(torch.nn.Module):
        def reset(self):
            self.t = 0

        def forward(self, x):
            self.t += 1
            return torch.as_tensor(disagreeing_inputs()[:, self.t - 1])

    labels = np.array([1, 0, 1])
    assert accuracy_against_steps(Replay(), np.zeros((3, 1)), labels, [2, 8]) == {2: 2 / 3, 8: 1 / 3}
    assert accuracy_against_steps(Replay(), np.zeros((3, 1)), labels, [2, 8], readout="first-spike") == \
        {2: 1 / 3, 8: 2 / 3}
    with pytest.raises(InputError, match="readout='rmse' is a regression"):
        accuracy_against_steps(Replay(), np.zeros((3, 1)), labels, [2], readout="rmse")

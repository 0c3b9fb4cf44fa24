"""snnTorch 1.0.0 neurons traced and compared with snnTorch's own forward pass.

snnTorch's default surrogates cast spikes with ``.float()``, so a float64 snnTorch model
fails; the float64 tests pass ``spike_grad=heaviside`` (the same ``x > 0`` step, keeping
the dtype; snnTorch documents spike_grad as the user's choice). ``test_float32_defaults``
runs the default surrogate in float32 against a float32 simulation: for Leaky and
Synaptic the simulator performs the very same float32 operations; for the recurrent
neurons the input terms are summed in another order (about 1 ulp per step).
"""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

snntorch = pytest.importorskip("snntorch")
pytestmark = pytest.mark.frameworks

from snncompile.errors import UnsupportedError  # noqa: E402
from snncompile.frontends.torch import trace  # noqa: E402
from snncompile.ir import LIF, CubaLIF, Reset, ResetTiming, Scale  # noqa: E402


def heaviside(x):
    return (x > 0).to(x.dtype)


def mem_of(module, output):
    return module.mem


def _reset(model):
    for m in model.modules():
        if hasattr(m, "reset_mem"):
            m.reset_mem()


class Net(nn.Module):
    """Linear -> neuron -> Linear -> neuron, mem kept inside the neurons."""

    def __init__(self, first, second, n_in=8, hidden=12, n_out=4):
        super().__init__()
        torch.manual_seed(0)
        self.fc1, self.lif1 = nn.Linear(n_in, hidden), first
        self.fc2, self.lif2 = nn.Linear(hidden, n_out), second

    def forward(self, x):
        spk1 = self.lif1(self.fc1(x))[0]  # tuple form (init_hidden=False)
        out = self.lif2(self.fc2(spk1))
        return out


def leaky(**kw):
    return snntorch.Leaky(spike_grad=heaviside, **kw)


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
@pytest.mark.parametrize("per_neuron", [False, True])
def test_leaky(compare, reset, per_neuron):
    beta = torch.linspace(0.3, 1.2, 12) if per_neuron else 0.85  # > 1 is clamped by snnTorch
    threshold = torch.linspace(0.5, 1.0, 12) if per_neuron else 0.7
    first = snntorch.Leaky(spike_grad=heaviside, beta=beta, threshold=threshold, reset_mechanism=reset, learn_beta=per_neuron)
    second = snntorch.Leaky(spike_grad=heaviside, beta=0.9, reset_mechanism=reset, init_hidden=True, learn_threshold=True)
    out = compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.8)
    node = out["graph"].nodes["lif1"]
    assert isinstance(node, LIF) and node.reset is Reset(reset) and node.reset_timing is ResetTiming.DELAYED
    if per_neuron:
        assert node.decay.max() == 1.0  # clamp(beta, 0, 1)


@pytest.mark.parametrize("cls", ["Leaky", "Synaptic"])
def test_zero_reset_without_delay_is_immediate(compare, cls):
    kw = dict(alpha=0.6) if cls == "Synaptic" else {}
    make = functools.partial(getattr(snntorch, cls), spike_grad=heaviside)
    model = Net(make(beta=0.8, reset_mechanism="zero", reset_delay=False, **kw),
                make(beta=0.9, reset_mechanism="zero", reset_delay=False, output=True, init_hidden=True, **kw))
    out = compare(model, (8,), mem_of, reset=_reset, scale=0.8)
    assert out["graph"].nodes["lif1"].reset_timing is ResetTiming.IMMEDIATE


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_synaptic(compare, reset):
    first = snntorch.Synaptic(spike_grad=heaviside, alpha=torch.rand(12), beta=0.8, reset_mechanism=reset, learn_alpha=True)
    second = snntorch.Synaptic(spike_grad=heaviside, alpha=0.5, beta=torch.rand(4), threshold=0.5, reset_mechanism=reset, init_hidden=True)
    out = compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.5)
    assert isinstance(out["graph"].nodes["lif2"], CubaLIF)
    assert out["spikes"] > 200
    assert out["graph"].nodes["lif1"].refractory == (1 if reset == "zero" else 0)


def test_zero_reset_discards_the_next_step_but_not_the_current():
    """What the refractory step stands for, read off snnTorch itself: after a spike the
    membrane is 0 for one step whatever the input, and syn keeps integrating."""
    lif = snntorch.Synaptic(spike_grad=heaviside, alpha=0.5, beta=0.9, threshold=1.0, reset_mechanism="zero")
    syn, mem = lif.reset_mem()
    trace_ = []
    for x in [0.6, 0.6, 5.0, 5.0, 0.0]:
        spk, syn, mem = lif(torch.tensor([x]), syn, mem)
        trace_.append((float(spk), float(syn), float(mem)))
    assert [s for s, _, _ in trace_] == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert trace_[2][2] == 0.0 and trace_[2][1] == pytest.approx(0.5 * 0.9 + 5.0)  # input went into syn, not mem
    assert trace_[3][2] == pytest.approx(trace_[2][1] * 0.5 + 5.0)  # mem = 0.9 * 0 + syn


@pytest.mark.parametrize("variant", ["linear", "one_to_one_scalar", "one_to_one_vector"])
@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_rleaky(compare, variant, reset):
    torch.manual_seed(5)
    if variant == "linear":
        first = snntorch.RLeaky(spike_grad=heaviside, beta=0.8, linear_features=12, reset_mechanism=reset)
    else:
        v = 0.5 if variant == "one_to_one_scalar" else torch.linspace(-0.5, 0.5, 12)
        first = snntorch.RLeaky(spike_grad=heaviside, beta=0.8, all_to_all=False, V=v, reset_mechanism=reset)
    second = snntorch.RLeaky(spike_grad=heaviside, beta=0.9, all_to_all=False, V=0.3, init_hidden=True, reset_mechanism=reset)
    out = compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.8)
    graph = out["graph"]
    rec = [e for e in graph.edges if e.dst == "lif1.recurrent"]
    assert rec and rec[0].src == "lif1" and rec[0].delay == 1
    if variant != "linear":
        assert isinstance(graph.nodes["lif1.recurrent"], Scale)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_rsynaptic(compare, reset):
    first = snntorch.RSynaptic(spike_grad=heaviside, alpha=0.6, beta=0.8, linear_features=12, reset_mechanism=reset)
    second = snntorch.RSynaptic(spike_grad=heaviside, alpha=0.5, beta=0.9, all_to_all=False, V=torch.rand(4),
                                init_hidden=True, output=True, reset_mechanism=reset)
    out = compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.5)
    assert out["spikes"] > 200


def test_conv_net_with_recurrent_conv(compare):
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        snntorch.RLeaky(spike_grad=heaviside, beta=0.7, conv2d_channels=3, kernel_size=3, init_hidden=True),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3 * 3 * 3, 5),
        snntorch.Leaky(spike_grad=heaviside, beta=0.9, init_hidden=True, output=True),
    )
    compare(model, (1, 6, 6), mem_of, reset=_reset, scale=3.0)


def test_float32_defaults(compare):
    """Default surrogate (spikes as float32) against a float32 simulation."""
    first = snntorch.Leaky(beta=0.85, threshold=0.7)
    second = snntorch.Synaptic(alpha=0.6, beta=0.9, init_hidden=True)
    compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.8, dtype=torch.float32)
    first = snntorch.RLeaky(beta=0.8, linear_features=12)
    second = snntorch.RSynaptic(alpha=0.5, beta=0.9, all_to_all=False, V=0.3, init_hidden=True)
    compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.5, dtype=torch.float32)
    first = snntorch.Synaptic(alpha=0.6, beta=0.85, reset_mechanism="zero")
    second = snntorch.RSynaptic(alpha=0.5, beta=0.9, all_to_all=False, V=0.3, init_hidden=True, reset_mechanism="zero")
    compare(Net(first, second), (8,), mem_of, reset=_reset, scale=0.5, dtype=torch.float32)


@pytest.mark.parametrize(
    "neuron,message",
    [
        (lambda: snntorch.Leaky(spike_grad=heaviside, beta=0.5, reset_delay=False), "post-reset membrane"),
        (lambda: snntorch.Leaky(spike_grad=heaviside, beta=0.5, graded_spikes_factor=2.0), "graded"),
        (lambda: snntorch.Leaky(spike_grad=heaviside, beta=0.5, inhibition=True), "inhibition"),
        (lambda: snntorch.Leaky(spike_grad=heaviside, beta=0.5, state_quant=lambda m: m), "state_quant"),
        (lambda: snntorch.RSynaptic(spike_grad=heaviside, alpha=0.5, beta=0.5, all_to_all=False, reset_delay=False), "NameError"),
    ],
)
def test_unsupported_options_are_named(neuron, message):
    with pytest.raises(UnsupportedError, match=message) as info:
        trace(nn.Sequential(nn.Linear(3, 3), neuron()), (3,))
    assert "module '1'" in str(info.value)


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_threshold_ties_do_not_fire(compare, dyadic, reset):
    """mem == threshold happens here; snnTorch does not fire on it (>)."""
    first = snntorch.Leaky(spike_grad=heaviside, beta=0.5, reset_mechanism=reset)
    second = snntorch.Leaky(spike_grad=heaviside, beta=0.5, threshold=0.5, reset_mechanism=reset, init_hidden=True)
    compare(dyadic(Net(first, second), step=0.5), (8,), mem_of, reset=_reset, binary_input=True)


def test_membrane_used_as_a_tensor_is_refused():
    class UsesMem(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.lif1, self.fc2 = nn.Linear(3, 3), snntorch.Leaky(beta=0.5), nn.Linear(3, 2)

        def forward(self, x):
            spk, mem = self.lif1(self.fc1(x))
            return self.fc2(mem)

    with pytest.raises(UnsupportedError, match=r"module 'fc2' \(Linear\) uses the state .* of neuron 'lif1'"):
        trace(UsesMem(), (3,))


def test_unknown_snntorch_neuron_is_named():
    model = nn.Sequential(nn.Linear(3, 3), snntorch.Alpha(alpha=0.6, beta=0.5))
    with pytest.raises(UnsupportedError, match=r"module '1' \(Alpha\) is not supported; .*snntorch.RLeaky"):
        trace(model, (3,))

"""Our metrics equal NeuroBench 2.3's own on an snnTorch network and its hand-built IR."""

import numpy as np
import pytest
import torch

from snncompile.estimate.activity import record_activity
from snncompile.estimate.metrics import compute_metrics
from snncompile.ir import LIF, Graph, Input, Linear, Output, Reset, ResetTiming

snn = pytest.importorskip("snntorch")
nb_models = pytest.importorskip("neurobench.models")
from neurobench.benchmarks import Benchmark  # noqa: E402
from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount  # noqa: E402
from neurobench.metrics.workload import (  # noqa: E402
    ActivationSparsity,
    MembraneUpdates,
    SynapticOperations,
)

pytestmark = pytest.mark.frameworks
BETAS = (0.9, 0.8)


class Net(torch.nn.Module):
    def __init__(self, fc1: torch.nn.Linear, fc2: torch.nn.Linear):
        super().__init__()
        self.fc1, self.fc2 = fc1, fc2
        self.lif1 = snn.Leaky(beta=BETAS[0])
        self.lif2 = snn.Leaky(beta=BETAS[1])

    def reset(self):
        self.lif1.reset_mem()
        self.lif2.reset_mem()

    def forward(self, x):
        spk1, _ = self.lif1(self.fc1(x))
        spk2, mem2 = self.lif2(self.fc2(spk1))
        return spk2, mem2


def _layers(seed: int):
    gen = torch.Generator().manual_seed(seed)
    fc1, fc2 = torch.nn.Linear(12, 16), torch.nn.Linear(16, 5)
    with torch.no_grad():
        for fc in (fc1, fc2):
            fc.weight.copy_(torch.randn(fc.weight.shape, generator=gen) * 0.6)
            fc.weight[torch.rand(fc.weight.shape, generator=gen) < 0.3] = 0.0  # pruned synapses
            fc.bias.copy_(torch.randn(fc.bias.shape, generator=gen) * 0.1)
    return fc1, fc2


def _ir(fc1, fc2) -> Graph:
    """The snnTorch net by hand: Leaky = LIF(decay beta, subtract reset one step late, >)."""
    def lif(n, beta):
        return LIF(shape=(n,), decay=beta, threshold=1.0, reset=Reset.SUBTRACT,
                   reset_timing=ResetTiming.DELAYED)

    g = Graph()
    g.add("in", Input(shape=(12,)))
    g.add("fc1", Linear(weight=fc1.weight.detach().double().numpy(), bias=fc1.bias.detach().double().numpy()))
    g.add("lif1", lif(16, BETAS[0]))
    g.add("fc2", Linear(weight=fc2.weight.detach().double().numpy(), bias=fc2.bias.detach().double().numpy()))
    g.add("lif2", lif(5, BETAS[1]))
    g.add("y", Output(shape=(5,)))
    g.chain("in", "fc1", "lif1", "fc2", "lif2", "y")
    return g


@pytest.mark.parametrize("seed", [0, 1])
def test_synops_sparsity_membrane_updates_match_neurobench(seed):
    fc1, fc2 = _layers(seed)
    net = Net(fc1, fc2)
    gen = torch.Generator().manual_seed(100 + seed)
    x = (torch.rand((6, 25, 12), generator=gen) < 0.3).float()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, torch.zeros(6)), batch_size=6)
    bench = Benchmark(nb_models.SNNTorchModel(net), loader, [], [],
                      [[Footprint, ConnectionSparsity, ParameterCount],
                       [SynapticOperations, ActivationSparsity, MembraneUpdates]])
    theirs = bench.run(quiet=True)

    g = _ir(fc1, fc2)
    ours = compute_metrics(g, record_activity(g, x.double().numpy()))
    # same spikes first (float64 vs float32 could differ at a threshold; they do not here)
    net.reset()
    with torch.no_grad():
        ref = torch.stack([net(x[:, t])[0] for t in range(x.shape[1])], 1)
    assert np.array_equal(ref.numpy(), record_activity(g, x.double().numpy()).emitted["lif2"])

    syn = theirs["SynapticOperations"]
    assert ours.synaptic_operations["Effective_ACs"] == pytest.approx(syn["Effective_ACs"])
    assert ours.synaptic_operations["Effective_MACs"] == pytest.approx(syn["Effective_MACs"])
    assert ours.synaptic_operations["Dense"] == pytest.approx(syn["Dense"])
    assert ours.activation_sparsity == pytest.approx(theirs["ActivationSparsity"])
    assert ours.membrane_updates == pytest.approx(theirs["MembraneUpdates"])
    assert ours.parameter_count == theirs["ParameterCount"]
    assert round(ours.connection_sparsity, 4) == theirs["ConnectionSparsity"]


def test_footprint_matches_neurobench_synapse_part_plus_snntorch_buffers():
    """NeuroBench's Footprint is torch's parameter bytes plus buffer bytes. Synapse
    parameters are the same numbers as ours (float32); snnTorch's buffers are framework
    bookkeeping (beta, threshold, graded_spikes_factor, an int64 reset_mechanism_val,
    an empty mem) that the IR stores as neuron coefficients instead."""
    fc1, fc2 = _layers(0)
    net = Net(fc1, fc2)
    theirs = Footprint()(nb_models.SNNTorchModel(net))
    ours = compute_metrics(_ir(fc1, fc2), record_activity(_ir(fc1, fc2), np.zeros((1, 1, 12))))
    buffers = sum(b.numel() * b.element_size() for b in net.buffers())
    synapse_bytes = 4 * ours.parameter_count
    assert theirs == synapse_bytes + buffers
    # our footprint adds the neuron coefficients (5 scalars per LIF node) at 4 bytes
    assert ours.footprint_bytes == synapse_bytes + 2 * 5 * 4


class ConvNet(torch.nn.Module):
    def __init__(self, conv: torch.nn.Conv2d, fc: torch.nn.Linear):
        super().__init__()
        self.conv, self.fc = conv, fc
        self.lif1 = snn.Leaky(beta=BETAS[0])
        self.lif2 = snn.Leaky(beta=BETAS[1])

    def reset(self):
        self.lif1.reset_mem()
        self.lif2.reset_mem()

    def forward(self, x):
        spk1, _ = self.lif1(self.conv(x))
        spk2, mem2 = self.lif2(self.fc(spk1.flatten(1)))
        return spk2, mem2


def test_conv_synops_match_neurobench():
    """Convolutions: padding, stride and zero weights as NeuroBench counts them; the first
    layer gets analog input on some steps (MACs) and spikes on others (ACs)."""
    from snncompile.ir import Conv2d, Flatten

    gen = torch.Generator().manual_seed(3)
    conv = torch.nn.Conv2d(2, 3, 3, stride=2, padding=1)
    fc = torch.nn.Linear(3 * 4 * 4, 4, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen))
        conv.weight[0, 1] = 0.0
        fc.weight.copy_(torch.randn(fc.weight.shape, generator=gen))
    x = (torch.rand((3, 12, 2, 8, 8), generator=gen) < 0.3).float()
    x[:, :4] *= 0.7  # the first 4 steps are not binary: MACs
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, torch.zeros(3)), batch_size=3)
    theirs = Benchmark(nb_models.SNNTorchModel(ConvNet(conv, fc)), loader, [], [],
                       [[], [SynapticOperations, ActivationSparsity]]).run(quiet=True)

    def lif(shape, beta):
        return LIF(shape=shape, decay=beta, threshold=1.0, reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED)

    g = Graph()
    g.add("in", Input(shape=(2, 8, 8)))
    g.add("conv", Conv2d(weight=conv.weight.detach().double().numpy(), bias=conv.bias.detach().double().numpy(),
                         stride=2, padding=1))
    g.add("lif1", lif((3, 4, 4), BETAS[0]))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=fc.weight.detach().double().numpy()))
    g.add("lif2", lif((4,), BETAS[1]))
    g.add("y", Output(shape=(4,)))
    g.chain("in", "conv", "lif1", "flat", "fc", "lif2", "y")
    ours = compute_metrics(g, record_activity(g, x.double().numpy()))
    syn = theirs["SynapticOperations"]
    assert syn["Effective_MACs"] > 0 and syn["Effective_ACs"] > 0
    assert ours.synaptic_operations["Effective_MACs"] == pytest.approx(syn["Effective_MACs"])
    assert ours.synaptic_operations["Effective_ACs"] == pytest.approx(syn["Effective_ACs"])
    assert ours.synaptic_operations["Dense"] == pytest.approx(syn["Dense"])
    assert ours.activation_sparsity == pytest.approx(theirs["ActivationSparsity"])

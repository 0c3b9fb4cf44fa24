import numpy as np
import pytest

from snncompile.estimate.activity import record_activity
from snncompile.estimate.metrics import compute_metrics
from snncompile.ir import LIF, Conv2d, Flatten, Graph, Input, Linear, Output


def test_hand_computed_two_layer(two_layer):
    g, act = two_layer
    m = compute_metrics(g, act)
    assert m.synaptic_operations == {"Effective_MACs": 0, "Effective_ACs": 11, "Dense": 40}
    fc1, fc2 = m.synapses
    assert (fc1.effective_acs, fc2.effective_acs) == (5, 6)
    assert (fc1.synaptic_events, fc2.synaptic_events) == (10, 8)
    assert (fc1.fan_in, fc1.fan_out, fc2.fan_in, fc2.fan_out) == (3, 2, 2, 2)
    assert [n.spikes for n in m.neurons] == [4, 3]
    assert m.neuron_updates == 16
    assert m.membrane_updates == 7
    assert m.activation_sparsity == pytest.approx(1 - 7 / 16)
    assert m.parameter_count == 10
    assert m.connection_sparsity == pytest.approx(4 / 10)  # 3 zeros in W1, 1 in W2
    per_step = m.per_step()
    assert per_step["Effective_ACs"] == pytest.approx(11 / 4)
    assert per_step["spikes"] == pytest.approx(7 / 4)


def test_memory_accesses_hand_computed(two_layer):
    g, act = two_layer
    mem = compute_metrics(g, act).memory
    assert mem.weight_reads == 11  # effective (nonzero) synaptic ops
    assert mem.state_reads == mem.state_writes == 11 + 16
    assert mem.bias_reads == 0
    assert mem.spike_writes == 7
    assert mem.spike_reads == 4  # hidden spikes read by fc2; output spikes go nowhere


def test_real_valued_input_counts_macs_and_batch_average():
    g = Graph()
    g.add("in", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.array([[0.5, 0.0], [1.0, 1.0]])))
    g.add("n", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("in", "fc", "n", "y")
    x = np.zeros((2, 3, 2))
    x[0, 0] = [0.3, 0.0]  # step 0 is non-binary over the batch: MACs
    x[1, 1] = [1.0, 1.0]  # step 1 is binary: ACs
    m = compute_metrics(g, record_activity(g, x))
    fc = m.synapses[0]
    # step 0: channel 0 nonzero once, it has 2 nonzero weights; step 1: 2 + 1 pairs
    assert fc.effective_macs == pytest.approx(2 / 2)
    assert fc.effective_acs == pytest.approx(3 / 2)
    assert fc.dense == 4 * 3 and fc.dense_macs == 4


def test_conv_dense_excludes_padding():
    g = Graph()
    g.add("in", Input(shape=(1, 3, 3)))
    g.add("conv", Conv2d(weight=np.ones((1, 1, 3, 3)), padding=1))
    g.add("n", LIF(shape=(1, 3, 3)))
    g.add("f", Flatten())
    g.add("y", Output(shape=(9,)))
    g.chain("in", "conv", "n", "f", "y")
    x = np.zeros((1, 1, 1, 3, 3))
    x[0, 0, 0, 0, 0] = 1  # a corner spike reaches 4 outputs
    m = compute_metrics(g, record_activity(g, x))
    conv = m.synapses[0]
    # interior 9 taps, edges 6, corners 4: 1*9 + 4*6 + 4*4 = 49 pairs per step
    assert conv.dense_per_step == 49
    assert conv.effective_acs == 4 and conv.synaptic_events == 4
    assert conv.fan_in == 9 and conv.fan_out == 9

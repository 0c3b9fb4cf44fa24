"""The synapse trait: one notion of weight, effective weight and fan-in for every kind."""

import numpy as np

from snncompile.ir import Conv1d, Conv2d, Conv3d, Linear, Synapse
from snncompile.ir.fixed import FixedConv2d, FixedLinear
from snncompile.ir.synapse import is_float_synapse, is_integer_synapse


def test_every_weighted_kind_is_a_synapse_with_its_operator():
    kinds = {
        Linear(weight=np.ones((2, 3))): "linear",
        Conv1d(weight=np.ones((2, 3, 5))): "conv1d",
        Conv2d(weight=np.ones((2, 3, 3, 3))): "conv2d",
        Conv3d(weight=np.ones((2, 3, 1, 3, 3))): "conv3d",
        FixedLinear(weight=np.ones((2, 3), np.int64)): "linear",
        FixedConv2d(weight=np.ones((2, 3, 3, 3), np.int64)): "conv2d",
    }
    for node, operator in kinds.items():
        assert isinstance(node, Synapse) and node.operator == operator
    assert is_float_synapse(Linear(weight=np.ones((1, 1))))
    assert is_integer_synapse(FixedLinear(weight=np.ones((1, 1), np.int64)))


def test_fan_in_and_connections_count_dense_synapses():
    conv = Conv2d(weight=np.ones((4, 2, 3, 3)), padding=1, groups=2)
    assert conv.fan_in() == 2 * 9  # C_in / groups input channels per output
    assert conv.connections((4, 5, 5)) == 4 * 5 * 5 * 18
    lin = Linear(weight=np.ones((6, 3)))
    assert lin.fan_in() == 3 and lin.connections((3,)) == 18 and lin.connections((7, 3)) == 7 * 18


def test_integer_effective_weights_are_what_the_chip_multiplies():
    fixed = FixedLinear(weight=np.array([[255, -3]]), num_weight_bits=6)
    # mixed sign, 8-bit storage, 6 bits kept: the low 3 bits drop
    assert fixed.effective_weight().tolist() == [[248, -8]]
    assert Linear(weight=np.array([[0.3]])).effective_weight() is not None


def test_per_synapse_delays_are_a_checked_field_of_float_synapses():
    lin = Linear(weight=np.ones((2, 3)), delays=np.array([[0, 1, 2], [3.0, 0, 0]]))
    assert lin.delays.dtype == np.int64 and lin.max_delay() == 3 and lin.check((3,)) == []
    assert [d for d, _ in lin.delay_groups()] == [0, 1, 2, 3]
    assert sum(w for _, w in lin.delay_groups()).tolist() == lin.weight.tolist()
    assert Linear(weight=np.ones((2, 3))).max_delay() == 0
    assert "delays shape" in Linear(weight=np.ones((2, 3)), delays=np.zeros((3, 2))).check((3,))[0]
    assert ">= 0" in Linear(weight=np.ones((1, 1)), delays=[[-1]]).check((1,))[0]
    assert "whole numbers" in Linear(weight=np.ones((1, 1)), delays=[[0.5]]).check((1,))[0]
    conv = Conv1d(weight=np.ones((2, 1, 3)), delays=np.arange(6).reshape(2, 1, 3))
    assert conv.check((1, 8)) == [] and conv.max_delay() == 5
    assert FixedLinear(weight=np.ones((1, 2), np.int64), delays=[[0, 4]]).max_delay() == 4
    assert FixedConv2d(weight=np.ones((1, 1, 1, 1), np.int64)).synapse_delays() is None

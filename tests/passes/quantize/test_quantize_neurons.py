"""Hand-made float graphs against hand-computed integers (Loihi 2 widths)."""

import numpy as np
import pytest

from snncompile.errors import SnnCompileError, UnsupportedError
from snncompile.ir import (
    IF,
    LIF,
    Comparator,
    CubaLIF,
    Graph,
    Input,
    Linear,
    Output,
    Reset,
    ResetTiming,
)
from snncompile.ir.fixed import FixedLIF, SignMode
from snncompile.passes.quantize import QuantizeOptions, quantize


def one_layer(weight, neuron, n_in=None):
    weight = np.asarray(weight, dtype=float)
    g = Graph()
    g.add("x", Input(shape=(weight.shape[1],)))
    g.add("fc", Linear(weight=weight))
    g.add("n", neuron)
    g.add("y", Output(shape=(weight.shape[0],)))
    g.chain("x", "fc", "n", "y")
    return g


def test_lif_mixed_weights_by_hand(loihi2):
    g = one_layer([[0.5, -0.25], [0.125, 0.25]], LIF(shape=(2,), decay=0.9, threshold=1.0, bias=0.01))
    q = quantize(g, loihi2, QuantizeOptions(bias_timing="register"))  # the bias stays in the register
    # S = 64 * 254 / 0.5 (mixed sign: even mantissas up to 254) = 32512; vth = S / 64 = 508
    layer = q.plan.layers["n"]
    assert layer.scale == 32512 and layer.limited_by == "weights"
    fc, n = q.fixed.nodes["fc"], q.fixed.nodes["n"]
    # 508 * W = [[254, -127], [63.5, 127]] -> nearest even (half away from zero)
    assert fc.weight.tolist() == [[254, -128], [64, 128]] and fc.weight_exp == 0
    assert fc.sign_mode is SignMode.MIXED
    assert isinstance(n, FixedLIF)
    assert (n.du, n.dv, n.vth) == (4095, 410, 508)  # no current: u = a << 6; dv = rnd(409.6)
    assert int(n.bias_mant) == 325 and int(n.bias_exp) == 0  # 0.01 * 32512 = 325.12
    assert (n.reset, n.comparator, n.state_bits, n.act_shift, n.vth_shift) == (Reset.ZERO, Comparator.GT, 24, 6, 6)
    assert [(e.src, e.dst, e.delay) for e in q.fixed.edges] == [("x", "fc", 0), ("fc", "n", 1), ("n", "y", 0)]


def test_cuba_lif_gain_folds_into_weights(loihi2):
    neuron = CubaLIF(shape=(1,), syn_decay=0.8, decay=0.95, gain=0.5, threshold=2.0)
    q = quantize(one_layer([[1.0, 0.5]], neuron), loihi2)
    # effective weights g*w = [0.5, 0.25], excitatory (255): S = 64 * 255 / 0.5 = 32640
    assert q.plan.layers["n"].scale == 32640
    assert q.fixed.nodes["fc"].weight.tolist() == [[255, 128]]
    n = q.fixed.nodes["n"]
    assert (n.du, n.dv, n.vth) == (818, 205, 1020)  # rnd(819.2) - 1; rnd(204.8); 32640 * 2 / 64


def test_if_has_no_leak(loihi2):
    q = quantize(one_layer([[1.0]], IF(shape=(1,), threshold=1.0)), loihi2)
    assert (q.fixed.nodes["n"].du, q.fixed.nodes["n"].dv) == (4095, 0)


def test_snntorch_beta_and_alpha(loihi2):
    """snnTorch Synaptic(alpha=0.55, beta=0.9) reduces to syn_decay=alpha, decay=beta."""
    q = quantize(one_layer([[1.0]], CubaLIF(shape=(1,), syn_decay=0.55, decay=0.9)), loihi2)
    n = q.fixed.nodes["n"]
    assert (n.du, n.dv) == (round(4096 * 0.45) - 1, round(4096 * 0.1))
    assert (4096 - n.du - 1) / 4096 == pytest.approx(0.55, abs=1 / 8192)


def test_per_neuron_thresholds_are_normalised(loihi2):
    q = quantize(one_layer([[1.0], [1.0]], LIF(shape=(2,), decay=1.0, threshold=[1.0, 2.0])), loihi2)
    # reference threshold 2: neuron 0's row is doubled. S0 = 64 * 255 / 2 = 8160 gives vth 255 < 256,
    # so S = 16320 (one power of two up), vth = 510, exponent 1
    assert q.plan.layers["n"].scale == 16320
    assert q.fixed.nodes["n"].vth == 510
    fc = q.fixed.nodes["fc"]
    assert fc.weight_exp == 1 and fc.weight.tolist() == [[255], [128]]


def test_threshold_far_above_weights_is_limited_by_state_range(loihi2):
    q = quantize(one_layer([[0.001]], LIF(shape=(1,), decay=0.5, threshold=100.0)), loihi2)
    layer = q.plan.layers["n"]
    # threshold * S must stay below (2^23 - 1) / headroom 2: S = 16.32e6 / 2^9 = 31875
    assert layer.limited_by == "state range" and layer.scale == 31875
    assert q.fixed.nodes["n"].vth == 49805
    assert q.fixed.nodes["fc"].weight_exp == -9 and q.fixed.nodes["fc"].weight.tolist() == [[255]]


def test_reset_modes_and_comparator(loihi2):
    def fixed(**fields):
        return quantize(one_layer([[1.0]], LIF(shape=(1,), decay=0.9, **fields)), loihi2).fixed.nodes["n"]

    assert fixed(reset="subtract").reset is Reset.SUBTRACT
    assert fixed(reset="none").reset is Reset.NONE
    assert fixed(reset="zero", reset_timing="delayed").reset is Reset.ZERO
    assert fixed(comparator=">=").comparator is Comparator.GE
    lava = quantize(one_layer([[1.0]], LIF(shape=(1,), decay=0.9, comparator=">=")), loihi2,
                    QuantizeOptions(fire_on_gt=True)).fixed.nodes["n"]
    assert lava.comparator is Comparator.GT  # one unit of v from '>=', what Lava's LIF runs


def test_delayed_subtract_is_reported_as_approximate(loihi2):
    g = one_layer([[1.0]], LIF(shape=(1,), decay=0.9, reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED))
    q = quantize(g, loihi2)
    assert q.fixed.nodes["n"].reset is Reset.SUBTRACT
    assert any("delayed subtract" in note and "n.reset_fix" in note for note in q.report.notes)


@pytest.mark.parametrize("neuron, message", [
    (LIF(shape=(1,), decay=0.9, v_reset=0.5), "resets to 0"),
    (LIF(shape=(2,), decay=[0.9, 0.8]), "decay varies across neurons"),
    (LIF(shape=(1,), decay=1.5), "outside [0, 1]"),
])
def test_inexpressible_neurons_are_named(loihi2, neuron, message):
    w = np.ones((neuron.shape[0], 1))
    with pytest.raises(SnnCompileError, match="'n'") as err:
        quantize(one_layer(w, neuron), loihi2)
    assert message in str(err.value) and "quantize_neurons" in str(err.value)


def test_neuron_without_synapse_is_refused(loihi2):
    g = Graph()
    g.add("x", Input(shape=(1,)))
    g.add("n", LIF(shape=(1,)))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "n", "y")
    with pytest.raises(UnsupportedError, match="neuron 'n' receives 'x' \\(Input\\) directly"):
        quantize(g, loihi2)


def test_options_reproduce_a_hand_conversion(loihi2):
    g = one_layer([[1.0, -0.3]], LIF(shape=(1,), decay=0.96, gain=0.04, threshold=0.1))
    opts = QuantizeOptions(scale=2**14, threshold_scale=131071 / 512 * 64, rounding="trunc", decay_unity=4095,
                           weight_exp=0)
    q = quantize(g, loihi2, opts)
    # int(w * 0.04 * 256) on the mixed-sign (even) grid: [10.24, -3.07] -> [10, -2]
    assert q.fixed.nodes["fc"].weight.tolist() == [[10, -2]]
    assert (q.fixed.nodes["n"].dv, q.fixed.nodes["n"].vth) == (163, 25)
    assert q.plan.layers["n"].limited_by == "option"


def test_fewer_weight_bits(loihi2):
    q = quantize(one_layer([[1.0, 0.3]], LIF(shape=(1,))), loihi2, QuantizeOptions(weight_bits=4))
    fc = q.fixed.nodes["fc"]
    assert fc.num_weight_bits == 4 and np.all(fc.weight % 16 == 0)
    assert np.array_equal(fc.effective_weight(), fc.weight)


def test_graded_input_is_an_explicit_option(loihi2):
    g = one_layer([[1.0, 0.5]], LIF(shape=(1,), threshold=10.0))
    assert quantize(g, loihi2).fixed.nodes["fc"].num_message_bits == 0
    graded = quantize(g, loihi2, QuantizeOptions(graded_input=True)).fixed
    assert graded.nodes["fc"].num_message_bits == 24
    from snncompile.emulator import emulate

    x = np.array([[[3.0, 0.0]]])  # a payload of 3 through weight 255 -> 3 * 255 << 6 into u
    run = emulate(graded, x, membranes=["n"], steps=2)
    assert run.membranes["n"][0, 1, 0] == 3 * 255 * 64

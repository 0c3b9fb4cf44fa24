"""Non-spiking neurons (LI, CubaLI, Integrator) quantized to membrane readouts.

Error bound tested here (float units, per neuron, derived from the rounding): with
``S`` the readout's scale, ``k = (4096 - dv) / 4096`` and ``ku = (4096 - du - 1) / 4096``
the integer decays, ``d`` / ``ds`` the float ones, ``W`` the float weights and ``Wq`` the
integer weights in float units (``w_eff << weight_exp << 6 / S``), ``s_t`` the 0/1 input::

    eu_t = ku · eu_{t-1} + |ku - ds| · |i_float[t-1]| + 1/S + |(Wq - W) s_t| (+ 2**6/S if weight_exp < 0)
    ev_t = k · ev_{t-1}  + |k - d|   · |v_float[t-1]| + 1/S + eu_t + |b_int/S - b|

``1/S``: ``trunc0`` of a decayed state is off by less than one integer unit; the
``weight_exp < 0`` term is the floor of the shifted sum. The fixed neuron's bias acts
from fixed step 0, ``lag`` steps before its first input, so ``ev_{-1} = |v_lag|/S`` with
``v_lag`` that many bias-only integer steps. Then ``|v_int/S - v_float| <= ev_t`` as long
as nothing saturates (the scale's worst-case bound keeps it so).
"""

import numpy as np
import pytest

from snncompile.emulator import emulate
from snncompile.ir import IF, LI, LIF, CubaLI, Graph, Input, Integrator, Linear, Output
from snncompile.ir.fixed import FixedLIF
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.passes.quantize.choose_scales import readout_bound
from snncompile.simulate import classify, simulate

READOUTS = {
    "LI": lambda n: LI(shape=(n,), decay=0.9),
    "CubaLI": lambda n: CubaLI(shape=(n,), decay=0.9, syn_decay=0.8),
    "Integrator": lambda n: Integrator(shape=(n,)),
}


def one_layer(weight, neuron, bias=None):
    weight = np.asarray(weight, dtype=float)
    g = Graph()
    g.add("x", Input(shape=(weight.shape[1],)))
    g.add("fc", Linear(weight=weight, bias=bias))
    g.add("n", neuron)
    g.add("y", Output(shape=(weight.shape[0],)))
    g.chain("x", "fc", "n", "y")
    return g


@pytest.mark.parametrize("kind, du, dv", [("LI", 4095, 410), ("CubaLI", 818, 410), ("Integrator", 4095, 0)])
def test_readout_integers_by_hand(loihi2, kind, du, dv):
    q = quantize(one_layer([[0.5, -0.25], [0.125, 0.25]], READOUTS[kind](2)), loihi2)
    # S = 64 * 254 / 0.5 = 32512 (mixed sign: even mantissas up to 254); no threshold to resolve,
    # so S stays at the weights' full range (a spiking layer would be raised to vth >= 256)
    layer = q.plan.layers["n"]
    assert layer.scale == 32512 and layer.limited_by == "weights"
    assert q.fixed.nodes["fc"].weight.tolist() == [[254, -128], [64, 128]]
    n = q.fixed.nodes["n"]
    assert isinstance(n, FixedLIF) and n.output == "v" and n.scale == 32512
    # LI: no current (du = 4095); CubaLI: rnd(4096 * 0.2) - 1 = 818; Integrator: dv = 0
    assert (n.du, n.dv, n.reset.value, n.vth) == (du, dv, "none", 131071)
    assert any(f"membrane readout ({kind})" in note and "v / 32512" in note for note in q.report.notes)


def test_readout_scale_shrinks_for_the_worst_case_membrane(loihi2):
    # 64 inputs of weight 1 and decay 0.99: |v| <= 64 / 0.01 = 6400 float units
    neuron = LI(shape=(1,), decay=0.99)
    g = one_layer(np.ones((1, 64)), neuron)
    q = quantize(g, loihi2)
    layer = q.plan.layers["n"]
    assert readout_bound(g.nodes["n"], {"fc": np.ones((1, 64))}, np.zeros(())) == pytest.approx(6400)
    assert layer.limited_by == "worst-case v"
    # 64 * 255 = 16320 halved until 6400 * S <= (2**23 - 1) / 2 (headroom 2): 16320 / 32 = 510
    assert layer.scale == 510
    out = emulate(q.fixed, np.ones((1, 2000, 64), np.int64)).outputs["y"]
    assert 0 < out.max() <= (2**23 - 1) // 2  # every input spiking for ever: no saturation


def test_worst_case_counts_a_linear_bias_into_a_current(loihi2):
    # CubaLI: |v| <= 64 / (1 - 0.9) / (1 - 0.99) = 64000, S <= 2**22 / 64000 = 65.5 -> 16320 / 256;
    # a Linear bias of 10 (kept as an always-on input) adds 10 to the drive: 74000 -> 16320 / 512
    neuron = CubaLI(shape=(1,), decay=0.99, syn_decay=0.9)
    assert quantize(one_layer(np.ones((1, 64)), neuron), loihi2).plan.layers["n"].scale == 16320 / 256
    q = quantize(one_layer(np.ones((1, 64)), neuron, bias=np.array([10.0])), loihi2)
    assert q.plan.layers["n"].scale == 16320 / 512 and "bias_source" in q.fixed.nodes


def test_calibrated_readout_range_sets_the_scale(loihi2):
    g = one_layer(np.ones((1, 64)), LI(shape=(1,), decay=0.99))
    x = np.zeros((2, 50, 64))
    x[:, ::10, :8] = 1.0  # sparse: |v| stays near 8
    q = quantize(g, loihi2, calibrate=x)
    assert q.plan.layers["n"].limited_by == "weights"  # the calibrated |v| does not limit S0 = 16320
    q = quantize(g, loihi2, QuantizeOptions(headroom=2.0**12), calibrate=x)
    assert q.plan.layers["n"].limited_by == "calibrated v"


def error_bound(q, s, v_float, name="n", synapse="fc", lag=1):
    """``ev_t`` of the module docstring for readout ``name`` fed 0/1 spikes ``s`` (B, T, in)."""
    fixed, prepared = q.fixed.nodes[name], q.prepared.nodes[name]
    fc = q.fixed.nodes[synapse]
    S, unity = fixed.scale, 1 << fixed.decay_bits
    w = q.prepared.nodes[synapse].weight
    wq = fc.effective_weight() * 2.0 ** (fc.weight_exp + fixed.act_shift) / S
    dyn = prepared.dynamics()
    k, d = (unity - fixed.dv) / unity, float(dyn.decay)
    ku, ds = (unity - fixed.du - 1) / unity, float(dyn.syn_decay) if dyn.has_current else 0.0
    eb = np.abs(np.broadcast_to(fixed.effective_bias() / S - dyn.bias, fixed.shape))
    floor = 2.0**fixed.act_shift / S if fc.weight_exp < 0 else 0.0
    drive_error = np.abs(s @ (wq - w).T) + floor  # (B, T, out)
    i_float = np.zeros_like(v_float)
    eu = np.zeros_like(v_float[:, 0])
    v_lag = np.zeros(fixed.shape, np.int64)
    for _ in range(lag):  # bias-only steps before the first input arrives
        v_lag = np.trunc(v_lag * (unity - fixed.dv) / unity).astype(np.int64) + fixed.effective_bias()
    ev = np.zeros_like(v_float[:, 0]) + np.abs(v_lag) / S
    bound = np.zeros_like(v_float)
    for t in range(s.shape[1]):
        prev_i = i_float[:, t - 1] if t else 0.0
        prev_v = v_float[:, t - 1] if t else 0.0
        i_float[:, t] = ds * prev_i + s[:, t] @ w.T
        eu = ku * eu + abs(ku - ds) * np.abs(prev_i) + 1 / S + drive_error[:, t]
        ev = k * ev + abs(k - d) * np.abs(prev_v) + 1 / S + eu + eb
        bound[:, t] = ev
    return bound


@pytest.mark.parametrize("kind", sorted(READOUTS))
def test_single_layer_readout_within_the_rounding_bound(loihi2, kind):
    rng = np.random.default_rng(11)
    g = one_layer(rng.uniform(-1, 1, (3, 5)), READOUTS[kind](3), bias=rng.uniform(-0.05, 0.05, 3)
                  if kind == "LI" else None)
    q = quantize(g, loihi2)
    x = (rng.random((8, 40, 5)) < 0.3).astype(float)
    v_float = simulate(q.prepared, x).outputs["y"]
    lag = q.lags["y"]
    v_int = emulate(q.fixed, x, steps=40 + lag).outputs["y"][:, lag:]
    err = np.abs(v_int / q.fixed.nodes["n"].scale - v_float)
    bound = error_bound(q, x, v_float, lag=lag)
    assert np.all(err <= bound + 1e-9), float((err - bound).max())
    assert err.max() > 0  # the rounding is real: the bound is not met trivially


@pytest.mark.parametrize("kind", sorted(READOUTS))
def test_spiking_layer_then_readout_classifies_as_the_float_graph(loihi2, kind):
    # the hidden layer is exact by construction (IF, dyadic weights, S = 2**14: vth = 256,
    # mantissas 256 w), so both readouts see the same spikes and only the readout rounds
    rng = np.random.default_rng(5)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=rng.integers(0, 7, (8, 6)) / 8))
    g.add("lif", IF(shape=(8,), threshold=1.0))
    g.add("fc2", Linear(weight=rng.uniform(-1, 1, (4, 8))))
    g.add("n", READOUTS[kind](4))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc1", "lif", "fc2", "n", "y")
    q = quantize(g, loihi2, QuantizeOptions(scale={"lif": 2.0**14}))
    x = (rng.random((32, 30, 6)) < 0.4).astype(float)
    ref = simulate(q.prepared, x, record=["lif"])
    lag_y, lag_lif = q.lags["y"], q.lags["lif"]
    emu = emulate(q.fixed, x, steps=30 + lag_y, record=["lif"])
    # the hidden spikes agree exactly, so the readout's input is the same 0/1 train ...
    assert np.array_equal(emu.recorded["lif"][:, lag_lif:lag_lif + 30], ref.recorded["lif"])
    v_float = ref.outputs["y"]
    v_emu = emu.outputs["y"][:, lag_y:] / q.fixed.nodes["n"].scale
    # ... and the readout stays within the rounding bound and gives every sample its float class
    bound = error_bound(q, ref.recorded["lif"].astype(float), v_float, synapse="fc2", lag=lag_y - lag_lif)
    assert np.all(np.abs(v_emu - v_float) <= bound + 1e-9)
    assert np.array_equal(classify(v_emu), classify(v_float))
    assert len(set(classify(v_float).tolist())) > 1  # the classes are not all the same


def test_readout_feeding_a_synapse_is_refused_by_name(loihi2):
    g = Graph()
    g.add("x", Input(shape=(1,)))
    g.add("fc", Linear(weight=np.ones((1, 1))))
    g.add("n", LI(shape=(1,), decay=0.9))
    g.add("fc2", Linear(weight=np.ones((1, 1))))
    g.add("m", LIF(shape=(1,)))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc", "n", "fc2", "m", "y")
    with pytest.raises(Exception, match="non-spiking neuron 'n' \\(LI\\) feeds 'fc2' \\(Linear\\)"):
        quantize(g, loihi2)


def test_braille_rnn_with_a_membrane_readout(loihi2):
    """The NIR paper's trained Braille RNN (tests/data, see its README) with its output
    CubaLIF swapped for a CubaLI readout of the same constants, classified by the argmax of
    the summed membrane: the emulated readout gives the float classes. Measured: 40 samples
    of fold 0, float and emulator accuracy 0.95, same class for all 40; the largest membrane
    difference (8.6 against a peak of 26.7) comes from the 0.5% of hidden spikes that flip."""
    from pathlib import Path

    from snncompile.compare import compare_graphs
    from snncompile.interop.nir import read_nir
    from snncompile.passes.rewrite import replace_node

    data = Path(__file__).parents[2] / "data"
    g = read_nir(data / "nir_paper/03_rnn/braille_noDelay_noBias_subtract.nir", dt=1e-4, reset="subtract",
                 reset_timing="delayed")
    out = g.nodes["lif2"]
    g = replace_node(g, "lif2", CubaLI(shape=out.shape, decay=out.decay, syn_decay=out.syn_decay, gain=out.gain,
                                       syn_gain=out.syn_gain, bias=out.bias))
    braille = np.load(data / "braille/braille7_fold0.npz")
    x, y = braille["spikes"][:40].astype(np.float64), braille["labels"][:40]
    q = quantize(g, loihi2, calibrate=x[:10])
    assert q.fixed.nodes["lif2"].reads_membrane
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], labels=y)
    assert c.output_agreement["reference vs emulator"] >= 0.95
    assert c.accuracy["reference"] >= 0.9 and c.accuracy["emulator"] >= c.accuracy["reference"] - 1 / 40
    assert 0 < c.output_max_error["reference vs emulator"] < 15

"""How reset timing maps onto the integer core (which resets within the step).

- DELAYED zero reset (snnTorch reset_mechanism="zero") spikes exactly like the immediate
  one, so mapping it to the core's reset loses nothing;
- DELAYED subtract (snnTorch's default) is the core's immediate subtract, which removes
  (1 - decay) * threshold less per spike, plus a diagonal self-connection that restores
  that amount one step later. Measured here: with it the fixed graph follows snnTorch's
  delayed reset, without it (a conv-shaped layer, where it is not added) the float model
  with immediate subtract.
"""

import numpy as np
import pytest

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.ir import LIF, Conv2d, CubaLIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate


def layer(reset, timing, decay=0.8):
    rng = np.random.default_rng(7)
    g = Graph()
    g.add("x", Input(shape=(8,)))
    g.add("fc", Linear(weight=rng.random((16, 8)) * 0.6))
    g.add("n", LIF(shape=(16,), decay=decay, threshold=1.0, reset=reset, reset_timing=timing))
    g.add("y", Output(shape=(16,)))
    g.chain("x", "fc", "n", "y")
    return g


X = (np.random.default_rng(8).random((4, 120, 8)) < 0.5).astype(float)


def spikes(g):
    return simulate(g, X, record=["n"]).recorded["n"]


def test_delayed_zero_reset_spikes_like_immediate():
    assert np.array_equal(spikes(layer("zero", "delayed")), spikes(layer("zero", "immediate")))


def test_delayed_subtract_is_corrected_by_a_self_connection(loihi2):
    delayed, immediate = layer("subtract", "delayed"), layer("subtract", "immediate")
    q = quantize(delayed, loihi2)
    fix = q.fixed.nodes["n.reset_fix"]
    n = q.fixed.nodes["n"]
    # x = (vth << 6) * dv / 4096 >> 6 = vth * dv / 4096 on the diagonal, one step later
    assert np.array_equal(fix.weight, -np.eye(16, dtype=int) * round(n.vth * n.dv / 4096))
    assert {(e.src, e.dst, e.delay) for e in q.fixed.edges} >= {("n", "n.reset_fix", 0), ("n.reset_fix", "n", 1)}
    chip = aligned(emulate(q.fixed, X, steps=121, record=["n"]).recorded["n"], q.lags["n"], 120)
    f_delayed, f_immediate = spikes(delayed), spikes(immediate)
    assert np.mean(chip == f_delayed) > 0.99 > 0.9 > np.mean(chip == f_immediate)
    assert abs(chip.sum() - f_delayed.sum()) < 0.01 * f_delayed.sum()


def test_current_based_neurons_get_a_cancelling_second_tap(loihi2):
    rng = np.random.default_rng(7)
    g = Graph()
    g.add("x", Input(shape=(8,)))
    g.add("fc", Linear(weight=rng.random((16, 8)) * 0.6))
    g.add("n", CubaLIF(shape=(16,), syn_decay=0.6, decay=0.8, reset="subtract", reset_timing="delayed"))
    g.add("y", Output(shape=(16,)))
    g.chain("x", "fc", "n", "y")
    q = quantize(g, loihi2)
    first, second = q.fixed.nodes["n.reset_fix"], q.fixed.nodes["n.reset_fix2"]
    assert first.weight[0, 0] < 0 < second.weight[0, 0]
    # by value, derived from the equations: the first tap injects x = vth * dv / 4096 into
    # u (act and vth shifts cancel), which u keeps a fraction alpha = (4096 - du - 1) / 4096
    # of one step later; the second tap, one step later still, takes that back
    n = q.fixed.nodes["n"]
    x = n.vth * n.dv / 4096
    alpha = (4096 - n.du - 1) / 4096
    for tap, want in ((first, -x), (second, alpha * x)):
        got = tap.effective_weight() * 2**tap.weight_exp
        assert np.array_equal(got, np.diag(np.diag(got))), "one diagonal entry per neuron"
        assert np.all(np.abs(np.diag(got) - want) <= 2 ** tap.weight_exp / 2), (np.diag(got)[0], want)
    assert {(e.src, e.dst, e.delay) for e in q.fixed.edges} >= {("n.reset_fix", "n", 1), ("n.reset_fix2", "n", 2)}
    chip = aligned(emulate(q.fixed, X, steps=121, record=["n"]).recorded["n"], q.lags["n"], 120)
    ref = simulate(g, X, record=["n"]).recorded["n"]
    assert ref.sum() > 100 and np.mean(chip == ref) > 0.99


def test_conv_shaped_layers_keep_the_approximation(loihi2):
    g = Graph()
    g.add("x", Input(shape=(1, 4, 4)))
    g.add("c", Conv2d(weight=np.full((2, 1, 3, 3), 0.3), padding=1))
    g.add("n", LIF(shape=(2, 4, 4), decay=0.8, reset="subtract", reset_timing="delayed"))
    g.add("y", Output(shape=(2, 4, 4)))
    g.chain("x", "c", "n", "y")
    q = quantize(g, loihi2)
    assert "n.reset_fix" not in q.fixed.nodes
    assert any("becomes an immediate subtract" in note for note in q.report.notes)


def test_large_corrections_use_an_exponent(loihi2):
    g = Graph()
    g.add("x", Input(shape=(1,)))
    g.add("fc", Linear(weight=[[0.001]]))
    g.add("n", LIF(shape=(1,), decay=0.5, threshold=100.0, reset="subtract", reset_timing="delayed"))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc", "n", "y")
    q = quantize(g, loihi2)
    n, fix = q.fixed.nodes["n"], q.fixed.nodes["n.reset_fix"]
    x = n.vth * n.dv / 4096  # 49805 * 2048 / 4096: far beyond 8 bits
    chip = int(fix.effective_weight()[0, 0]) * 2**fix.weight_exp
    assert fix.weight_exp > 0 and abs(chip + x) <= 2 ** (fix.weight_exp - 1)


def test_chip_keeps_loihis_decay_factors():
    """Lava's LIF: v keeps (4096 - dv) / 4096, u keeps (4096 - (du + 1)) / 4096."""
    from snncompile.ir.fixed import FixedLIF
    from snncompile.passes.quantize.add_reset_correction import chip_keeps

    assert chip_keeps(FixedLIF(shape=(1,), du=1023, dv=256)) == (3840 / 4096, 3072 / 4096)
    assert chip_keeps(FixedLIF(shape=(1,), du=4095, dv=0)) == (1.0, 0.0)


@pytest.mark.parametrize(("vth", "mantissa"), [(16, -1), (4, None), (48, -3)])
def test_correction_tap_by_hand(vth, mantissa):
    """x = (vth << 6) * dv / 4096 / 2**6 = vth * 256 / 4096 = vth / 16 (du = 4095: no
    current, so one tap): vth 16 gives the mantissa -1 (inhibitory), 48 gives -3, and 4
    rounds to 0, which adds no synapse."""
    from types import SimpleNamespace

    from snncompile.ir.fixed import FixedLIF, SignMode
    from snncompile.passes.quantize import QuantizeOptions, spec_from_target
    from snncompile.passes.quantize.add_reset_correction import add_reset_correction

    prepared = Graph()
    prepared.add("n", LIF(shape=(3,), decay=0.9375, threshold=1.0, reset="subtract", reset_timing="delayed"))
    fixed = Graph()
    fixed.add("n", FixedLIF(shape=(3,), du=4095, dv=256, vth=vth, reset="subtract"))
    plan = SimpleNamespace(layers=["n"], spec=spec_from_target("loihi2"), options=QuantizeOptions())
    out = add_reset_correction(fixed, prepared, plan, {} if vth == 16 else {"n": 2})
    if mantissa is None:
        assert list(out.nodes) == ["n"]
        return
    assert list(out.nodes) == ["n", "n.reset_fix"]
    tap = out.nodes["n.reset_fix"]
    assert np.array_equal(tap.weight, np.eye(3, dtype=int) * mantissa) and tap.weight_exp == 0
    assert tap.sign_mode is SignMode.INHIBITORY
    assert tap.meta["lag"] == (0 if vth == 16 else 2)  # the neuron's lag (0 when it has none)
    assert [(e.src, e.dst, e.delay) for e in out.edges] == [("n", "n.reset_fix", 0), ("n.reset_fix", "n", 1)]


def test_a_current_based_neuron_gets_the_second_tap():
    """du = 2047: u keeps (4096 - 2048) / 4096 = 1/2 of the injection, so a second tap
    one step later adds +x/2: vth 64 gives x = 4, taps -4 (delay 1) and +2 (delay 2)."""
    from types import SimpleNamespace

    from snncompile.ir.fixed import FixedLIF, SignMode
    from snncompile.passes.quantize import QuantizeOptions, spec_from_target
    from snncompile.passes.quantize.add_reset_correction import add_reset_correction

    prepared = Graph()
    prepared.add("n", CubaLIF(shape=(2,), syn_decay=0.5, decay=0.9375, threshold=1.0, reset="subtract",
                              reset_timing="delayed"))
    fixed = Graph()
    fixed.add("n", FixedLIF(shape=(2,), du=2047, dv=256, vth=64, reset="subtract"))
    plan = SimpleNamespace(layers=["n"], spec=spec_from_target("loihi2"), options=QuantizeOptions())
    out = add_reset_correction(fixed, prepared, plan, {})
    first, second = out.nodes["n.reset_fix"], out.nodes["n.reset_fix2"]
    assert np.array_equal(first.weight, -4 * np.eye(2, dtype=int)) and first.sign_mode is SignMode.INHIBITORY
    assert np.array_equal(second.weight, 2 * np.eye(2, dtype=int)) and second.sign_mode is SignMode.EXCITATORY
    delays = {(e.src, e.dst): e.delay for e in out.edges}
    assert delays[("n.reset_fix", "n")] == 1 and delays[("n.reset_fix2", "n")] == 2


@pytest.mark.parametrize("value, parts, expected", [
    # 7580.4 / 32 = 236.9 fits 255 at exponent 5; its rest 3.6 can only go on exponent 0
    (-7580.4, 1, [(-237, 5)]),
    (-7580.4, 2, [(-237, 5), (4, 0)]),
    (-7580.4, 3, [(-237, 5), (4, 0)]),  # nothing finer than one unit of one input
    # 244 << 12 = 999424; the rest 576.7 is 144.175 << 2; its rest 0.7 rounds to 1 << 0
    (1000000.7, 1, [(244, 12)]),
    (1000000.7, 2, [(244, 12), (144, 2)]),
    (1000000.7, 3, [(244, 12), (144, 2), (1, 0)]),
])
def test_a_tap_in_parts_by_hand(value, parts, expected):
    from snncompile.passes.quantize.add_reset_correction import tap_parts

    assert tap_parts(value, 255, "nearest", parts) == expected


def test_split_weights_split_the_correction_too():
    """With weight_split=2 the tap gets a residual '.lo' on exponent 0, and the two sum to
    the exact tap to half a unit."""
    from snncompile.passes.quantize.add_reset_correction import chip_keeps, taps

    q = quantize(layer("subtract", "delayed"), "loihi2", QuantizeOptions(weight_split=2, auto_precision=False))
    fix, lo = q.fixed.nodes["n.reset_fix"], q.fixed.nodes["n.reset_fix.lo"]
    assert lo.weight_exp == 0 and fix.weight_exp > 0
    n = q.fixed.nodes["n"]
    (_, exact), = taps(n.effective_threshold(), *chip_keeps(n), n.act_shift)
    total = fix.weight[0, 0] * 2.0**fix.weight_exp + lo.weight[0, 0]
    assert abs(total - exact) <= 0.5 < abs(fix.weight[0, 0] * 2.0**fix.weight_exp - exact)
    assert {(e.src, e.dst, e.delay) for e in q.fixed.edges} >= {("n", "n.reset_fix.lo", 0), ("n.reset_fix.lo", "n", 1)}

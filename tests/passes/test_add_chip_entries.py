"""add_chip_entries: host values enter chip neurons through an identity synapse (exact
in float), and after quantization through a Quantize boundary scaled to the layer."""

import numpy as np
import pytest

from snncompile.ir.host import Quantize
from snncompile.ir.placement import on_host
from snncompile.passes.add_chip_entries import add_chip_entries, is_entry
from snncompile.passes.partition import Capabilities, partition
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate
from snncompile.targets import load_target
from snncompile.testing.mixed_graphs import float_attention, float_ternary

LOIHI2 = Capabilities.of(load_target("loihi2"))


def spikes(shape, seed=0):
    return (np.random.default_rng(seed).random(shape) < 0.5).astype(float)


def test_entries_do_not_change_the_float_meaning():
    g = float_attention()
    entered = add_chip_entries(partition(g, LOIHI2).graph)
    assert is_entry(entered.nodes["attn.entry"]) and not on_host(entered.nodes["attn.entry"])
    assert [e.src for e in entered.incoming("attn")] == ["attn.entry"]
    x = spikes((3, 20, 4, 6))
    a = simulate(g, x, record="all")
    b = simulate(entered, x, record=list(a.recorded))
    for n in a.recorded:
        np.testing.assert_array_equal(a.recorded[n], b.recorded[n], err_msg=n)
    assert a.recorded["attn"].sum() > 0


def test_compiled_entry_is_identity_mantissas_behind_a_scaled_boundary():
    q = quantize(float_attention(), "loihi2", calibrate=spikes((4, 20, 4, 6)), capabilities=LOIHI2)
    entry, boundary = q.fixed.nodes["attn.entry"], q.fixed.nodes["attn.entry.q"]
    assert entry.kind == "FixedLinear" and np.array_equal(entry.effective_weight(), np.eye(4))
    assert entry.weight_exp == 0 and entry.num_message_bits == 24
    assert isinstance(boundary, Quantize) and on_host(boundary)
    plan = q.plan.layers["attn"]
    # one float unit into the LIF is S n g integer current; one payload unit is 2**6 of it
    assert np.allclose(boundary.scale, plan.scale * plan.layer.in_gain[0] * plan.layer.norm[0] / 64)
    assert boundary.bits == 24 - 6
    assert [e.src for e in q.fixed.incoming("attn.entry")] == ["attn.entry.q"]


def test_integer_host_values_cross_unscaled_as_graded_payloads():
    from snncompile.compare import compare_graphs

    g, x = float_ternary(), spikes((8, 40, 5), seed=1)
    q = quantize(g, "loihi2", calibrate=x, capabilities=LOIHI2)
    fc, boundary = q.fixed.nodes["fc"], q.fixed.nodes["fc.q"]
    assert fc.kind == "FixedLinear" and not on_host(fc) and fc.num_message_bits == 24
    assert isinstance(boundary, Quantize) and on_host(boundary) and np.all(boundary.scale == 1.0)
    assert [e.src for e in q.fixed.incoming("fc")] == ["fc.q"]
    sent = simulate(g, x, record=["t"]).recorded["t"]
    assert (sent == -1).any() and (sent == 1).any()  # both signs really cross
    pair = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"]).pairs[0]
    assert {r.layer: r.agreement for r in pair.layers}["out"] >= 0.99, pair.layers
    assert all(r.spikes_a > 0 for r in pair.layers)


@pytest.mark.lava
def test_lava_takes_negative_graded_payloads_as_the_emulator_does():
    pytest.importorskip("lava")
    from snncompile.compare import compare_graphs

    g, x = float_ternary(), spikes((2, 30, 5), seed=2)
    q = quantize(g, "loihi2", QuantizeOptions(weight_exp=0), calibrate=x, capabilities=LOIHI2)
    pair = compare_graphs(g, q.fixed, q.lags, x, ["emulator", "lava"]).pairs[0]
    assert pair.first_layer is None and all(r.agreement == 1.0 and r.spikes_a > 0 for r in pair.layers), pair.layers

"""add_chip_entries: host values enter chip neurons through an identity synapse (exact
in float), and after quantization through a Quantize boundary scaled to the layer."""

import numpy as np

from snncompile.ir.host import Quantize
from snncompile.ir.placement import on_host
from snncompile.passes.add_chip_entries import add_chip_entries, is_entry
from snncompile.passes.partition import Capabilities, partition
from snncompile.passes.quantize import quantize
from snncompile.simulate import simulate
from snncompile.targets import load_target
from snncompile.testing.mixed_graphs import float_attention

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

"""Mixed host/chip graphs on the emulator: chip nodes in integers, host nodes in float64."""

import numpy as np
import pytest
import torch

from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.ir import Linear
from snncompile.ir.placement import extract
from snncompile.testing.mixed_graphs import chip_host_chip


def spikes(shape, p=0.5, seed=1):
    return (np.random.default_rng(seed).random(shape) < p).astype(np.int64)


def test_host_segment_is_float64_and_chip_segments_are_the_integer_runs():
    g = chip_host_chip()
    x = spikes((3, 30, 6))
    r = emulate(g, x, record="all")
    assert r.recorded["mix"].dtype == np.float64 and r.recorded["h"].dtype.kind == "i"
    assert 0 < r.recorded["h"].sum() and 0 < r.output().sum() < r.output().size
    # the host Linear computed on h's spikes, exactly as torch in float64
    mix = g.nodes["mix"]
    want = torch.nn.functional.linear(torch.as_tensor(r.recorded["h"], dtype=torch.float64),
                                      torch.as_tensor(mix.weight), torch.as_tensor(mix.bias)).numpy()
    np.testing.assert_allclose(r.recorded["mix"], want, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(r.recorded["mix.q"], np.clip(np.round(r.recorded["mix"] * 10.0), -2**23, 2**23 - 1))
    # each chip segment alone, fed what the emulator computed at its boundary, gives the same integers
    for names, feed in ((["h.w", "h"], {"x": x}), (["out.w", "out", "y"], {"mix.q": r.recorded["mix.q"]})):
        sub, boundary = extract(g, names)
        alone = emulate(sub, {**feed}, record=[n for n in names if n != "y"])
        for n in alone.recorded:
            np.testing.assert_array_equal(alone.recorded[n], r.recorded[n], err_msg=n)


def test_fused_and_stepwise_agree_on_the_chip_part_of_a_mixed_graph():
    g = chip_host_chip(seed=3)
    sub, _ = extract(g, ["h.w", "h"])
    x = spikes((2, 25, 6), seed=4)
    fused = emulate(sub, x, record=["h"])
    stepwise = emulate(sub, x, record=["h"], stepwise=True)
    np.testing.assert_array_equal(fused.recorded["h"], stepwise.recorded["h"])


def test_a_float_node_not_placed_on_the_host_is_refused_by_name():
    g = chip_host_chip()
    g.nodes["mix"] = Linear(weight=g.nodes["mix"].weight)  # placement lost
    with pytest.raises(UnsupportedError, match="'mix' \\(Linear\\): not an integer node and not placed on the host"):
        emulate(g, spikes((1, 5, 6)))


def test_float_values_enter_the_chip_only_through_a_quantize_boundary():
    g = chip_host_chip()
    g.edges = [e for e in g.edges if e.src != "mix.q"]
    g.connect("mix", "out.w")
    with pytest.raises(UnsupportedError, match="'out.w' \\(FixedLinear\\): receives float values from host node 'mix'"):
        emulate(g, spikes((1, 5, 6)))

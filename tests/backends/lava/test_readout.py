"""Membrane readouts on Lava's own LIF (fixed_pt): equal to the emulator, or refused."""

import numpy as np
import pytest

from snncompile.backends.lava.run import run_lava
from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.ir import LIF, CubaLI, Graph, Input, Integrator, Linear, Output
from snncompile.ir.fixed import FixedGraphBuilder
from snncompile.passes.quantize import quantize, spec_from_target


@pytest.mark.parametrize("readout", [CubaLI(shape=(2,), decay=0.8, syn_decay=0.7), Integrator(shape=(2,))])
def test_quantized_readout_runs_bit_exact_on_lava(readout):
    rng = np.random.default_rng(3)
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc1", Linear(weight=rng.uniform(0.2, 0.9, (4, 3))))
    g.add("lif", LIF(shape=(4,), decay=0.9))
    g.add("fc2", Linear(weight=rng.uniform(-1.0, 1.0, (2, 4))))
    g.add("readout", readout)
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc1", "lif", "fc2", "readout", "y")
    fixed = quantize(g, spec_from_target("loihi2")).fixed
    x = (rng.random((2, 15, 3)) < 0.5).astype(np.int64)
    emu = emulate(fixed, x, steps=17, record=["lif"], membranes=["lif"])
    lava = run_lava(fixed, x, steps=17, record=["lif"], membranes=["lif"])
    assert np.array_equal(emu.outputs["y"], lava.outputs["y"])
    assert np.array_equal(emu.recorded["lif"], lava.recorded["lif"])
    assert np.array_equal(emu.membranes["lif"], lava.membranes["lif"])
    assert set(lava.membranes) == {"lif"}  # the readout's probe is not reported as a recorded membrane
    assert np.abs(lava.outputs["y"]).max() > 10_000 and len(np.unique(lava.outputs["y"])) > 10


def test_readout_that_would_fire_in_lava_is_refused():
    # an Integrator gaining 2088960 per step passes 8388544 = (2**17 - 1) << 6 at step 5:
    # Lava's LIF would spike and reset there, the readout saturates at 8388607
    b = FixedGraphBuilder((1,))
    b.linear(np.array([[255]]), weight_exp=7)
    b.lif(name="n", du=4095, dv=0, output="v")
    b.output()
    x = np.ones((1, 8, 1), np.int64)
    assert emulate(b.graph, x).outputs["output"][0, -1, 0] == 8388607
    assert np.array_equal(run_lava(b.graph, x[:, :4], steps=4).outputs["output"],
                          emulate(b.graph, x[:, :4], steps=4).outputs["output"])
    with pytest.raises(UnsupportedError, match="membrane readout 'n' fired at step 5"):
        run_lava(b.graph, x)

"""Membrane readouts (FixedLIF output="v") in the emulator, against integers computed by hand."""

import numpy as np
import pytest

from snncompile.emulator import emulate
from snncompile.ir import load_graph, save_graph
from snncompile.ir.fixed import FixedGraphBuilder, FixedLIF


def readout_graph(weight, **fields):
    b = FixedGraphBuilder((1,))
    b.linear(np.array([[weight]]), **{k: fields.pop(k) for k in ("weight_exp",) if k in fields})
    b.lif(name="n", output="v", **fields)
    b.output()
    return b.graph


SPIKES = np.array([1, 0, 1, 0, 0, 0], np.int64)[None, :, None]


def run_both(graph, x, steps=None):
    fused = emulate(graph, x, steps=steps, counters=True)
    stepwise = emulate(graph, x, steps=steps, counters=True, stepwise=True)
    assert np.array_equal(fused.outputs["output"], stepwise.outputs["output"])
    return fused


@pytest.mark.parametrize("fields, expected", [
    # LI: u = a << 6 = 6400 one step after each spike (synapse latency);
    # v = trunc0(v * 3686 / 4096) + u: 6400, trunc(5759.9) = 5759, trunc(5182.6) + 6400 = 11582, ...
    (dict(du=4095, dv=410), [0, 6400, 5759, 11582, 10422, 9378]),
    # CubaLI: u = trunc0(u * (4096 - 820) / 4096) + a << 6 = 6400, 5118, 4093 + 6400 = 10493, 8392, 6711;
    # v = trunc0(v * 3686 / 4096) + u = 6400, 5759 + 5118 = 10877, 9788 + 10493 = 20281, 18250 + 8392, ...
    (dict(du=819, dv=410), [0, 6400, 10877, 20281, 26642, 30686]),
    # Integrator: dv = 0, no current: v just adds 6400 per spike
    (dict(du=4095, dv=0), [0, 6400, 6400, 12800, 12800, 12800]),
])
def test_readout_integers_by_hand(fields, expected):
    graph = readout_graph(100, vth=1, reset="zero", **fields)  # vth and reset do not apply
    result = run_both(graph, SPIKES)
    assert result.outputs["output"][0, :, 0].tolist() == expected
    assert result.counters["n"]["spikes"].sum() == 0


def test_integrator_saturates_at_24_bits_and_never_resets():
    # 255 << 7 << 6 = 2088960 per step: the 5th step would pass 2**23 - 1 = 8388607
    graph = readout_graph(255, weight_exp=7, du=4095, dv=0, vth=1)
    x = np.ones((1, 8, 1), np.int64)
    out = run_both(graph, x).outputs["output"][0, :, 0]
    assert out.tolist() == [0, 2088960, 4177920, 6266880, 8355840, 8388607, 8388607, 8388607]
    neg = readout_graph(-255, weight_exp=7, du=4095, dv=0)
    assert run_both(neg, x).outputs["output"][0, -1, 0] == -8388607  # symmetric clip


def test_readout_fields_survive_save_and_load(tmp_path):
    graph = readout_graph(100, du=4095, dv=410, scale=32512.0)
    save_graph(graph, tmp_path / "r.snnir")
    node = load_graph(tmp_path / "r.snnir").nodes["n"]
    assert isinstance(node, FixedLIF) and node.output == "v" and node.scale == 32512.0
    assert node.reads_membrane and not node.spiking


def test_bad_readout_fields_are_named():
    problems = FixedLIF(shape=(1,), output="membrane").check((1,))
    assert any("output must be one of ['spikes', 'v'], found 'membrane'" in p for p in problems)
    problems = FixedLIF(shape=(1,), output="v", graded=True, scale=0.0).check((1,))
    assert any("cannot also send graded" in p for p in problems) and any("scale must be" in p for p in problems)

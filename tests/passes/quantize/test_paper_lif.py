"""The NIR paper's LIF (lif_norse.nir) through the quantizer.

With the paper script's conversion as options, the compiled graph is exactly
RingBuffer → Dense(10) → LIF(du=4095, dv=163, vth=25), and the emulator reproduces
Lava's recorded fixed-point trace; with snncompile's defaults the spikes fall on the
float model's four steps, one step later (the synapse's hop latency, stated as a lag)."""

from pathlib import Path

import numpy as np

from snncompile.compare import aligned
from snncompile.emulator import emulate
from snncompile.interop.nir import read_nir
from snncompile.ir.fixed import FixedGraphBuilder, SignMode
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate

DATA = Path(__file__).parents[2] / "data"
PAPER = QuantizeOptions(scale=2**14, weight_exp=0, threshold_scale=131071 / 512 * 64, rounding="trunc",
                        decay_unity=4095)


def lif():
    return read_nir(DATA / "nir_paper/01_lif/lif_norse.nir", dt=1e-4)


def lava_trace():
    rows = np.loadtxt(DATA / "nir_paper/01_lif/lif_lava_cpu_fixed.csv", delimiter=",")
    return rows[:, 0].reshape(1, -1, 1), rows[:, 1], rows[:, 2]


def test_paper_conversion_gives_exactly_the_papers_lava_graph(loihi2):
    q = quantize(lif(), loihi2, PAPER)
    b = FixedGraphBuilder((1,), dt=1e-4, name="input")
    b.linear(np.array([[10]]), name="0", sign_mode=SignMode.EXCITATORY)
    b.lif(name="1", du=4095, dv=163, vth=25)
    b.output(name="output")
    assert q.fixed.equals(b.graph), (q.fixed.nodes, q.fixed.edges)


def test_paper_conversion_reproduces_lavas_trace(loihi2):
    q = quantize(lif(), loihi2, PAPER)
    x, v, s = lava_trace()
    run = emulate(q.fixed, x, record=["1"], membranes=["1"])
    assert np.array_equal(run.membranes["1"][0, :, 0], v)
    assert np.array_equal(run.recorded["1"][0, :, 0], s)


def test_default_quantization_keeps_the_four_spikes_one_step_later(loihi2):
    g = lif()
    q = quantize(g, loihi2)
    x, _, lava_spikes = lava_trace()
    ref = simulate(g, x, record=["1"]).recorded["1"][0, :, 0]
    assert np.flatnonzero(ref).tolist() == [460, 510, 710, 760]
    assert q.lags["1"] == 1
    run = emulate(q.fixed, x, steps=1000 + q.lags["1"], record=["1"]).recorded["1"]
    assert np.array_equal(aligned(run, q.lags["1"], 1000)[0, :, 0], ref)
    assert np.flatnonzero(run[0, :1000, 0]).tolist() == np.flatnonzero(lava_spikes).tolist() == [461, 511, 711, 761]

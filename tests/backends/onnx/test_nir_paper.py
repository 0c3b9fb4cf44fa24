"""The NIR paper's reference networks: its single-LIF trace, the trained Braille RNNs on
real Braille data, and the trained N-MNIST CNN.

The graphs are built from the NIR files with forward Euler at dt = 1e-4 (the equations of
snncompile.ir.neurons.CubaLIF), the recurrent edge carrying one step of delay. The ONNX
export must reproduce the float32 reference spike for spike over 256 steps, and classify
as well as the paper reports for these networks (about 0.97).
"""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx
from snncompile.interop.nir import read_nir
from snncompile.ir import LIF, CubaLIF, Graph, Input, Linear, Output, Reset, ResetTiming
from snncompile.simulate import accuracy, simulate

pytest.importorskip("onnxruntime")

DATA = Path(__file__).resolve().parents[2] / "data" / "onnx"
DT = 1e-4


def braille_graph(path: Path, reset: Reset, timing: ResetTiming) -> Graph:
    ng = nir.read(str(path))
    g = Graph(dt=DT)
    for name in ["input", "fc1", "lif1.lif", "lif1.w_rec", "fc2", "lif2", "output"]:
        n = ng.nodes[name]
        if isinstance(n, nir.Input):
            g.add(name, Input(shape=tuple(n.input_type["input"])))
        elif isinstance(n, nir.Output):
            g.add(name, Output(shape=tuple(n.output_type["output"])))
        elif isinstance(n, nir.Affine):
            g.add(name, Linear(weight=n.weight, bias=n.bias))
        elif isinstance(n, nir.Linear):
            g.add(name, Linear(weight=n.weight))
        else:
            assert isinstance(n, nir.CubaLIF)
            syn, mem = DT / n.tau_syn, DT / n.tau_mem
            g.add(name, CubaLIF(
                shape=n.tau_mem.shape, syn_decay=1 - syn, syn_gain=n.w_in * syn, decay=1 - mem,
                gain=n.r * mem, bias=n.v_leak * mem, threshold=n.v_threshold, v_reset=n.v_reset,
                reset=reset, reset_timing=timing,
            ))
    for src, dst in ng.edges:
        g.connect(src, dst, delay=1 if (src, dst) == ("lif1.w_rec", "lif1.lif") else 0)
    return g


@pytest.mark.parametrize(
    "file,reset,timing",
    [
        ("braille_noDelay_bias_zero.nir", Reset.ZERO, ResetTiming.IMMEDIATE),
        ("braille_noDelay_noBias_subtract.nir", Reset.SUBTRACT, ResetTiming.DELAYED),  # snnTorch's reset
    ],
)
def test_braille_rnn_matches_reference_spike_for_spike(file, reset, timing):
    data = np.load(DATA / "braille7_fold0_42.npz")
    x, labels = data["spikes"].astype(np.float32), data["labels"]
    graph = braille_graph(DATA / file, reset, timing)
    ref = simulate(graph, x, record=["lif1.lif"], dtype=torch.float32)
    got = run_onnx(to_onnx(graph, record=["lif1.lif"]), x)
    hidden = ref.recorded["lif1.lif"]
    assert hidden.sum() > 1000
    assert np.array_equal(got.recorded["lif1.lif"], hidden)
    assert np.array_equal(got.output(), ref.output())
    assert accuracy(got.output(), labels) >= 0.9


def test_nir_paper_lif_reproduces_norses_recorded_trace():
    """Input -> Affine(1x1) -> LIF(tau 2.5 ms, r 1, v_th 0.1), 1000 steps of the paper's
    input spikes: the spikes fall on steps 460, 510, 710, 760 as Norse recorded them, and
    the membrane follows Norse's recording (both forward Euler, reset to zero)."""
    ng = nir.read(str(DATA / "lif_norse.nir"))
    affine, lif = ng.nodes["0"], ng.nodes["1"]
    step = DT / lif.tau
    g = Graph(dt=DT)
    g.add("input", Input(shape=(1,)))
    g.add("affine", Linear(weight=affine.weight, bias=affine.bias))
    g.add("lif", LIF(shape=(1,), decay=1 - step, gain=lif.r * step, bias=lif.v_leak * step,
                     threshold=lif.v_threshold, v_reset=lif.v_reset))
    g.add("output", Output(shape=(1,)))
    g.chain("input", "affine", "lif", "output")
    trace = np.loadtxt(DATA / "lif_norse.csv", delimiter=",")
    got = run_onnx(to_onnx(g), trace[None, :, :1].astype(np.float32), membranes="all")
    assert np.flatnonzero(got.output()[0, :, 0]).tolist() == [460, 510, 710, 760]
    np.testing.assert_array_equal(got.output()[0, :, 0], trace[:, 2])
    np.testing.assert_allclose(got.membranes["lif"][0, :, 0], trace[:, 1], atol=1e-6)


def test_nir_paper_cnn_read_by_snncompile_exports_spike_for_spike(against_reference):
    """The paper's trained Sinabs IF CNN for N-MNIST (2x34x34 -> conv/IF/sum pool x3 ->
    flatten -> two dense IF layers), read by snncompile's NIR reader; its N-MNIST input is
    not available, so the input is random events at the density that drives every layer."""
    graph = read_nir(Path(__file__).resolve().parents[2] / "data" / "nir_paper" / "02_cnn" / "cnn_sinabs.nir")
    x = (np.random.default_rng(40).random((2, 12, 2, 34, 34)) < 0.15).astype(np.float32)
    spikes = against_reference(graph, x)
    neurons = [n for n, node in graph.items() if node.kind == "IF"]
    assert len(neurons) == 5 and all(spikes[n] > 0 for n in neurons), spikes

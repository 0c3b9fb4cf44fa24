"""The NIR paper's spiking CNN (cnn_sinabs.nir: conv, IF, sum pooling, dense) compiles:
pools merge into the next synapse, every layer quantizes, and with ``weight_exp=0`` the
graph is one Lava's CPU models can run (its Conv ignores weight exponents). No N-MNIST
data is available here, so agreement is measured on random spike input."""

from pathlib import Path

import numpy as np
import pytest

from snncompile.compare import compare_graphs
from snncompile.compile import lava_expressible
from snncompile.interop.nir import read_nir
from snncompile.ir.fixed import FixedConv2d
from snncompile.passes.quantize import QuantizeOptions, quantize

CNN = Path(__file__).parents[2] / "data/nir_paper/02_cnn/cnn_sinabs.nir"


def test_cnn_compiles_and_follows_float(loihi2):
    g = read_nir(CNN)
    x = (np.random.default_rng(0).random((2, 12, 2, 34, 34)) < 0.1).astype(float)
    q = quantize(g, loihi2, QuantizeOptions(auto_precision=False), calibrate=x)  # single precision
    kinds = [n.kind for n in q.fixed.nodes.values()]
    assert "SumPool2d" not in kinds and kinds.count("FixedConv2d") == 3 and kinds.count("FixedLinear") == 2
    assert q.fixed.nodes["5"].weight.shape == (8, 16, 6, 6) and q.fixed.nodes["5"].stride == (2, 2)
    assert [q.lags[n] for n in ("1", "3", "6", "10", "12")] == [1, 2, 3, 4, 5]
    c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    agreement = {r.layer: r.agreement for r in c.pairs[0].layers}
    assert agreement["1"] > 0.98 and min(agreement.values()) > 0.85
    assert all(r.clipped == 0 for lay in q.report.layers for r in lay.synapses)


def test_weight_exp_zero_makes_the_cnn_lava_expressible(loihi2):
    g = read_nir(CNN)
    auto = quantize(g, loihi2)
    assert lava_expressible(auto.fixed).startswith("not expressible") and "weight_exp" in lava_expressible(auto.fixed)
    pinned = quantize(g, loihi2, QuantizeOptions(weight_exp=0))
    assert all(n.weight_exp == 0 for n in pinned.fixed.nodes.values() if isinstance(n, FixedConv2d))
    assert all(r.clipped == 0 for lay in pinned.report.layers for r in lay.synapses)
    assert lava_expressible(pinned.fixed).startswith("expressible")


@pytest.mark.slow
def test_lava_equals_emulator_on_the_cnn(loihi2):
    pytest.importorskip("lava")
    g = read_nir(CNN)
    q = quantize(g, loihi2, QuantizeOptions(weight_exp=0))
    x = (np.random.default_rng(0).random((1, 12, 2, 34, 34)) < 0.15).astype(float)
    c = compare_graphs(g, q.fixed, q.lags, x, ["emulator", "lava"])
    assert c.pairs[0].first_layer is None and all(r.spikes_a > 0 for r in c.pairs[0].layers)

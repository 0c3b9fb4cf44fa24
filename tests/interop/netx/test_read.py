"""Reading netx files: the graph netx builds, and one-line errors for untrusted input."""

from __future__ import annotations

import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.interop.netx import read_netx
from snncompile.ir.fixed import FixedConv2d, FixedLIF, FixedLinear

from .conftest import NEURON, dense, write_layers


def test_dense_chain_with_delays_bias_and_recurrence(tmp_path):
    w1 = np.array([[2, -4, 6], [8, 0, -2]])
    rec = np.array([[0, 4], [-6, 0]])
    path = write_layers(tmp_path / "n.net", [
        {"type": "input", "shape": [3]},
        dense(w1, delay=np.array([1, 3]), bias=np.array([5.7, -2.2])),
        {"type": "dense_rec", "shape": [2], "weight": np.eye(2) * 10, "weight_rec": rec, "neuron": dict(NEURON)},
    ], attrs={"dt": 1e-3})
    g = read_netx(path)
    assert g.dt == 1e-3
    assert list(g.nodes) == ["input", "layer1.synapse", "layer1", "layer2.synapse", "layer2", "layer2.recurrent",
                             "output"]
    syn, lif = g.nodes["layer1.synapse"], g.nodes["layer1"]
    assert isinstance(syn, FixedLinear) and isinstance(lif, FixedLIF)
    assert np.array_equal(syn.effective_weight() >> -syn.weight_exp, w1)  # what netx hands Lava computes W
    assert np.array_equal(syn.delays, [[1, 1, 1], [3, 3, 3]])  # one delay per output neuron
    assert (lif.du, lif.dv, lif.vth) == (1023, 128, 80)
    assert np.array_equal(lif.effective_bias(), np.array([5, -2]) << 6)  # astype(int), bias_exp 6
    assert {(e.src, e.dst, e.delay) for e in g.edges} >= {("layer2.recurrent", "layer2", 1), ("layer1.synapse", "layer1", 1)}


def test_conv_flatten_dense_and_conv_bias_layouts(tmp_path):
    w = np.arange(2 * 1 * 3 * 3).reshape(2, 1, 3, 3) * 2 - 16
    per_neuron = np.arange(2 * 3 * 4).reshape(4, 3, 2)  # netx: (W, H, C)
    path = write_layers(tmp_path / "c.net", [
        {"type": "input", "shape": [1, 5, 6]},
        {"type": "conv", "shape": [2, 3, 4], "weight": w, "stride": 1, "padding": [0, 0], "dilation": 1,
         "groups": 1, "bias": per_neuron, "neuron": dict(NEURON)},
        {"type": "flatten", "shape": [24, 1, 1]},
        dense(np.ones((3, 24), int) * 2),
    ])
    g = read_netx(path)
    conv, lif = g.nodes["layer1.synapse"], g.nodes["layer1"]
    assert isinstance(conv, FixedConv2d) and lif.shape == (2, 3, 4)
    assert np.array_equal(conv.weight, w)
    assert np.array_equal(lif.bias_mant, per_neuron.transpose(2, 1, 0))
    assert g.nodes["layer2"].kind == "Flatten"


def test_without_input_layer_the_first_dense_sets_the_width(tmp_path):
    g = read_netx(write_layers(tmp_path / "n.net", [dense(np.full((2, 7), 4))]))
    assert g.nodes["input"].shape == (7,)


@pytest.mark.parametrize("layers, expected", [
    ([{**dense([[2, 4]]), "weight": [[np.nan, 2]]}], "layer 0 (dense): field 'weight' has non-finite values"),
    ([dense([[2, 4]], neuron={**NEURON, "vDecay": 4096})], "layer 0 (dense) neuron: field 'vDecay' must lie in [0, 4095]"),
    ([dense([[2, 4]], neuron={**NEURON, "gradedSpike": True})], "graded spikes"),
    ([dense([[2, 4]], neuron={**NEURON, "refDelay": 3})], "refractory delay"),
    ([dense([[2, 4]], neuron={**NEURON, "type": "SDNN"})], "neuron type 'SDNN' is not supported"),
    ([dense([[2, 4]], neuron={**NEURON, "iDecay": 0.5})], "field 'iDecay' must hold whole numbers"),
    ([dense([[2, 4]], delay=[70])], "delays above 62"),
    ([dense([[2, 4]], delay=[1.5])], "field 'delay' must hold whole numbers"),
    ([dense([[2, 4]], delay=[1, 2, 3])], "fits neither"),
    ([dense([[2, 4]], bias=[9000])], "13-bit bias"),
    ([dense([[0, 0]])], "all weights are zero"),
    ([dense([[300, -2]])], "exceed netx's"),
    ([{**dense([[2, 4]]), "shape": [3]}], "declares (3,)"),
    ([{"type": "input", "shape": [4]}, dense([[2, 4]])], "expects 2 inputs, the previous layer has 4"),
    ([{"type": "input", "shape": [1, 3, 3]}, {"type": "conv", "shape": [1, 3, 3], "weight": np.ones((1, 1, 1, 1)) * 2,
      "delay": [1], "neuron": dict(NEURON)}], "delays on a conv layer"),
    ([{"type": "input", "shape": [1, 3, 3]}, dense([[2] * 9])], "needs a flatten layer"),
    ([{"type": "dense_rec", "shape": [1], "weight": [[2]], "weight_rec": [[2]], "delay": [1], "neuron": dict(NEURON)}],
     "delays on a dense_rec layer"),
    ([{"type": "pool", "shape": [1]}], "layer type 'pool' is not supported"),
    ([{"type": "average", "shape": [1]}], "layer type 'average'"),
    ([{"type": "dense", "shape": [1], "weight": [[2]]}], "no 'neuron' group"),
    ([{"type": "input", "shape": [2], "neuron": dict(NEURON)}], "input layer with a neuron"),
    ([{"type": "conv", "shape": [1, 3, 3], "weight": np.ones((1, 1, 1, 1)), "neuron": dict(NEURON)}], "needs an input layer"),
    ([{"shape": [2]}], "layer 0: field 'type' is missing"),
])
def test_bad_files_give_one_line_naming_file_layer_and_field(tmp_path, layers, expected):
    path = write_layers(tmp_path / "bad.net", layers)
    with pytest.raises(InputError) as info:
        read_netx(path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_not_a_netx_file(tmp_path):
    text = tmp_path / "x.net"
    text.write_text("hello")
    with pytest.raises(InputError, match="not a readable HDF5 file"):
        read_netx(text)
    import h5py

    with h5py.File(tmp_path / "y.net", "w") as f:
        f.create_dataset("layer", data=[1])
    with pytest.raises(InputError, match="no group '/layer'"):
        read_netx(tmp_path / "y.net")
    with pytest.raises(InputError, match="no such file"):
        read_netx(tmp_path / "missing.net")

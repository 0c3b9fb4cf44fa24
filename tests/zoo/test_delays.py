"""Toy D (learned delays, DCLS): the encoding, the per-step module against the SNN-delays
sequence forward, and the compiled graph against the PyTorch module — float spike for
spike, fixed point on loihi2 per layer, Lava = emulator, NIR round trip."""

import numpy as np
import pytest
import torch

pytest.importorskip("spikingjelly")
pytest.importorskip("DCLS")
pytestmark = pytest.mark.frameworks

from snncompile.zoo.delays import (  # noqa: E402
    INPUTS,
    OUT_STEPS,
    STEPS,
    DelayNet,
    K,
    load_delays,
    padded_sequence,
    scan_events,
    scan_sequence,
)

SAMPLES = 64
FLOOR = 0.79  # measured 0.8022, 361/450 (examples/train_delays.py; docs/delays.md)


@pytest.fixture(scope="module")
def toy():
    return load_delays()


@pytest.fixture(scope="module")
def held_out():
    x, y = padded_sequence("test")
    return x[:SAMPLES], y[:SAMPLES]


@pytest.fixture(scope="module")
def graph():
    from snncompile.zoo.models import zoo_graph

    return zoo_graph("delays")


def test_two_slit_latency_code():
    img = np.zeros((1, 8, 8))
    img[0, 2, 5] = 1.0  # brightest: first step of its slot
    img[0, 6, 1] = 0.3  # dim: last step of its slot
    x = scan_events(img)[0]
    assert x.shape == (STEPS, INPUTS) and x.sum() == 4
    assert x[4 * 5 + 0, 2] == 1 and x[4 * 2 + 0, 8 + 5] == 1  # column slit at column 5, row slit at row 2
    assert x[4 * 1 + 3, 6] == 1 and x[4 * 6 + 3, 8 + 1] == 1
    xs, labels = scan_sequence("test")
    assert xs.shape == (450, STEPS, INPUTS) and not xs[:, 32:].any() and set(np.unique(xs)) == {0.0, 1.0}
    assert padded_sequence("test")[0].shape == (450, OUT_STEPS, INPUTS)


@pytest.mark.parametrize("version", ["gauss", "max"])
def test_one_step_per_call_equals_the_snn_delays_forward(version):
    torch.manual_seed(0)
    model = DelayNet(version).double().eval()
    if version == "max":
        model.round_positions()
    x = torch.as_tensor(padded_sequence("test")[0][:4])
    from snncompile.zoo.stepping import run

    with torch.no_grad():
        oracle = model.sequence(x)
        steps = run(model, x)
    assert oracle.shape == (4, OUT_STEPS, 10)
    torch.testing.assert_close(steps, oracle, rtol=0, atol=1e-12)


def test_trained_toy_has_one_delay_per_synapse_and_classifies(toy):
    assert (toy.dcls()[0].DCK.version, float(toy.dcls()[0].SIG.detach().abs().max())) == ("max", 0.0)
    used = np.concatenate([d.ravel() for d in toy.delays().values()])
    assert used.min() >= 0 and used.max() <= K - 1 and len(np.unique(used)) == K
    x, y = padded_sequence("test")
    with torch.no_grad():
        out = toy.sequence(torch.as_tensor(x))
    assert float((out.sum(1).argmax(-1).numpy() == y).mean()) >= FLOOR


def test_traced_graph_reproduces_the_module_spike_for_spike(toy, graph, held_out):
    from snncompile.ir import Linear
    from snncompile.simulate import simulate

    x, _ = held_out
    linears = {n: node for n, node in graph.items() if isinstance(node, Linear)}
    assert len(linears) == 3 and all(node.delays is not None for node in linears.values())
    for name, delays in toy.delays().items():
        assert np.array_equal(graph.nodes[name].delays, delays), name
    record = {}
    with torch.no_grad():
        oracle = toy.sequence(torch.as_tensor(x), record).numpy()
    layers = [n for n in record]
    ref = simulate(graph, x, record=layers)
    for n in layers:
        assert np.array_equal(ref.recorded[n], record[n].numpy()), n
        assert record[n].sum() > 0
    assert np.max(np.abs(ref.output() - oracle)) < 1e-6


@pytest.fixture(scope="module")
def compiled(graph):
    """Loihi 2, weights at twice the precision (weight_split=2: measured per layer 0.9998 /
    0.9993 against float; one weight each, 0.9952 / 0.9768), '>=' neurons as Lava's '>'."""
    from snncompile.passes.quantize import QuantizeOptions, quantize

    calibrate = padded_sequence("train")[0][:256]
    return quantize(graph, "loihi2", QuantizeOptions(fire_on_gt=True, weight_split=2), calibrate=calibrate)


def test_fixed_point_on_loihi2_follows_float(graph, compiled, held_out):
    from snncompile.compare import compare_graphs
    from snncompile.ir.fixed import FixedLinear

    x, y = held_out
    for name in ("blocks.0.delays", "blocks.1.delays", "head"):  # and their residual ".lo" copies
        for part in (name, f"{name}.lo"):
            node = compiled.fixed.nodes[part]
            assert isinstance(node, FixedLinear) and np.array_equal(node.delays, graph.nodes[name].delays), part
    c = compare_graphs(graph, compiled.fixed, compiled.lags, x, ["reference", "emulator"], labels=y)
    agreement = {r.layer: r.agreement for r in c.pairs[0].layers}
    assert min(agreement.values()) >= 0.99, agreement
    assert next(iter(c.output_agreement.values())) >= 0.98


@pytest.mark.lava
def test_lava_equals_the_emulator_bit_for_bit(graph, compiled, held_out):
    pytest.importorskip("lava")
    from snncompile.compare import compare_graphs

    c = compare_graphs(graph, compiled.fixed, compiled.lags, held_out[0][:2], ["emulator", "lava"])
    assert c.pairs[0].first_layer is None and all(r.spikes_a > 0 for r in c.pairs[0].layers)
    assert next(iter(c.output_agreement.values())) == 1.0 and next(iter(c.output_max_error.values())) == 0.0


def test_nir_round_trip_keeps_every_delay(graph, tmp_path):
    import nir

    from snncompile.interop.nir import read_nir, write_nir
    from snncompile.passes.fold_batchnorm import fold_batchnorm

    folded = fold_batchnorm(graph)  # NIR 1.0.8 has no BatchNorm
    write_nir(folded, tmp_path / "delays.nir")
    written = nir.read(tmp_path / "delays.nir")
    assert sum(isinstance(n, nir.Delay) for n in written.nodes.values()) >= 3 * (K - 1)
    back = read_nir(tmp_path / "delays.nir")
    for name, node in folded.items():
        if getattr(node, "delays", None) is not None:
            assert np.array_equal(back.nodes[name].delays, node.delays), name

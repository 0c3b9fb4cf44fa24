"""The spiking TCN (causal dilated convolutions over time as per-synapse delays, a
regression readout from membranes on top of persistence): data and splits, the
persistence skip, per-step module against its own sequence forward, the traced graph
against the module, the held-out error against persistence's, where the partition puts
each part, and the compiled graph's forecast error against the float model's."""

import numpy as np
import pytest
import torch

pytest.importorskip("matplotlib")

from snncompile.zoo.tcn import (  # noqa: E402
    CHANNELS,
    DILATIONS,
    FIT,
    TRAIN,
    WARMUP,
    WINDOW,
    SpikingTCN,
    eeg,
    load_tcn,
    persistence,
    rmse,
    windows,
)

# measured (docs/scripts/delays_numbers.py; docs/delays.md): compiled (loihi2, weight_split=2) against
# float 0.0170 RMSE (one weight per synapse: 0.0519)
COMPILED_VS_FLOAT = 0.03


def test_data_and_splits():
    series = eeg()
    assert series.shape == (800, CHANNELS) and np.allclose(series.std(0), 1, atol=0.01)
    for split, first in (("train", 0), ("fit", 0), ("validation", FIT), ("test", TRAIN)):
        x, y = windows(split)
        assert x.shape == y.shape == (len(y), WINDOW, CHANNELS)
        assert np.array_equal(x[0], series[first:first + WINDOW]), split
        assert np.array_equal(x[:, 1:], y[:, :-1])  # the target is the next step's value
    # the last target of each split lies inside its part: fit and validation do not overlap
    for split, part in (("fit", series[:FIT]), ("validation", series[FIT:TRAIN]), ("train", series[:TRAIN])):
        assert (part == windows(split)[1][-1, -1]).all(1).any(), split
    assert len(windows("test")[1]) == 44
    with pytest.raises(ValueError, match="split"):
        windows("held-out")


def test_without_a_correction_the_forecast_is_persistence():
    model = SpikingTCN().double().eval()
    with torch.no_grad():
        for out in model.outs:
            out.weight.zero_()
        model.outs[0].bias.zero_()
        x = windows("test")[0][:5]
        forecast = model.sequence(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(forecast, persistence(x), rtol=0, atol=1e-12)
    assert not model.skip.conv.weight.requires_grad  # the skip is fixed, not trained


def test_one_step_per_call_equals_the_sequence_forward():
    from snncompile.zoo.stepping import run

    torch.manual_seed(0)
    model = SpikingTCN().double().eval()
    with torch.no_grad():
        for conv in model.convs:
            conv.conv.weight.mul_(3.0)  # enough drive that every layer spikes
    x = torch.as_tensor(windows("test")[0][:3])
    record = {}
    with torch.no_grad():
        oracle = model.sequence(x, record)
        steps = run(model, x)
    assert all(r.sum() > 0 for r in record.values())
    torch.testing.assert_close(steps, oracle, rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def trained():
    from snncompile.zoo.models import zoo_graph

    return load_tcn(), zoo_graph("tcn")


def test_traced_graph_is_delayed_taps_and_reproduces_the_module(trained):
    from snncompile.ir import Linear
    from snncompile.simulate import simulate

    model, graph = trained
    taps = {n: node for n, node in graph.items() if isinstance(node, Linear) and node.delays is not None}
    assert sorted(int(node.delays.max()) for node in taps.values()) == sorted([0, 0, 0, 0, 1, *DILATIONS])
    x, y = windows("test")
    record = {}
    with torch.no_grad():
        oracle = model.sequence(torch.as_tensor(x), record).numpy()
    ref = simulate(graph, x, record=list(record))
    for name, spikes in record.items():
        assert np.array_equal(ref.recorded[name], spikes.numpy()), name
        assert 0.01 < spikes.numpy().mean() < 0.9, name  # every layer fires, none saturates
    assert np.max(np.abs(ref.output() - oracle)) < 1e-6


def test_held_out_forecast_beats_persistence(trained):
    """The accuracy floor: on the held-out windows the trained TCN's RMSE is below the
    persistence forecast's (and far below the zero forecast's), both computed here."""
    model = trained[0]
    x, y = windows("test")
    with torch.no_grad():
        forecast = model.sequence(torch.as_tensor(x)).numpy()
    assert rmse(forecast, y) < rmse(persistence(x), y) < rmse(np.zeros_like(y), y)


def test_zoo_entry_scores_like_the_module():
    from snncompile.zoo.models import ZOO

    entry = ZOO["tcn"]
    assert entry.warmup == WARMUP and entry.row.readout == "rmse" and entry.baseline is not None
    x = windows("test")[0]
    assert np.array_equal(entry.baseline.forecast(x), persistence(x))


@pytest.fixture(scope="module")
def compiled(trained):
    from snncompile.passes.partition import Capabilities
    from snncompile.passes.quantize import QuantizeOptions, quantize
    from snncompile.targets import load_target

    return quantize(trained[1], "loihi2", QuantizeOptions(weight_split=2), calibrate=windows("train")[0],
                    capabilities=Capabilities.of(load_target("loihi2")))


def test_partition_puts_the_spiking_layers_and_the_readout_on_chip(compiled):
    from snncompile.ir.placement import Placement, placement_of

    where = {n: placement_of(node) for n, node in compiled.fixed.items()}
    chip = {"lifs.0", "lifs.1", "lifs.2", "convs.1.tap0", "convs.1.tap1", "convs.2.tap0", "convs.2.tap1", "outs.0",
            "outs.1", "outs.2", "readout"}
    assert all(where[n] is Placement.CHIP for n in chip)
    # the real-valued input's synapses run on the host and enter the chip at the neurons
    host = {"input", "convs.0.tap0", "convs.0.tap1", "skip.tap0", "skip.tap1", "lifs.0.entry.q", "readout.entry.q"}
    assert all(where[n] is Placement.HOST for n in host)


def test_compiled_forecast_error_against_the_float_model(trained, compiled):
    from snncompile.compare import aligned
    from snncompile.emulator import emulate

    model, graph = trained
    x, y = windows("test")
    q = compiled
    lag = q.lags["output"]
    fixed = emulate(q.fixed, x, steps=WINDOW + lag).output()
    compiled_forecast = aligned(fixed, lag, WINDOW) / q.fixed.nodes["readout"].scale
    with torch.no_grad():
        floating = model.sequence(torch.as_tensor(x)).numpy()
    assert rmse(compiled_forecast, floating) < COMPILED_VS_FLOAT
    assert abs(rmse(compiled_forecast, y) - rmse(floating, y)) < 0.01
    assert rmse(compiled_forecast, y) < rmse(persistence(x), y)


@pytest.mark.lava
def test_lava_equals_the_emulator_bit_for_bit(trained, compiled):
    pytest.importorskip("lava")
    from snncompile.compare import compare_graphs

    c = compare_graphs(trained[1], compiled.fixed, compiled.lags, windows("test")[0][:2], ["emulator", "lava"])
    assert c.pairs[0].first_layer is None and all(r.spikes_a > 0 for r in c.pairs[0].layers)
    assert next(iter(c.output_max_error.values())) == 0.0

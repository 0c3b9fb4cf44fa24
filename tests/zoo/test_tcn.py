"""The spiking TCN (causal dilated convolutions over time as per-synapse delays, a
regression readout from membranes): data and encoder, per-step module against its own
sequence forward, the traced graph against the module, and the compiled graph's
forecast error against the float model's."""

import numpy as np
import pytest
import torch

pytest.importorskip("matplotlib")

from snncompile.zoo.tcn import (  # noqa: E402
    DILATIONS,
    INPUTS,
    LEVELS,
    WINDOW,
    SpikingTCN,
    eeg,
    load_tcn,
    rmse,
    thermometer,
    windows,
)

# measured (examples/train_tcn.py; docs/delays.md): held-out RMSE of the float model 0.9959
# (train 0.4047: it overfits), of the zero forecast (the series' mean) 1.1980
FLOAT_RMSE_MAX = 1.0
# measured: compiled (loihi2, weight_split=2) against float 0.0585 (weight_split=1: 0.2125)
COMPILED_VS_FLOAT = 0.08


def test_data_encoder_and_windows():
    series = eeg()
    assert series.shape == (800, 4) and np.allclose(series.std(0), 1, atol=0.01)
    spikes = thermometer(np.array([[-2.0, -0.5, 0.5, 2.0]]))
    assert spikes.shape == (1, INPUTS) and spikes.reshape(4, len(LEVELS)).sum(1).tolist() == [0, 1, 3, 4]
    x, y = windows("test")
    assert x.shape == (len(y), WINDOW, INPUTS) and y.shape == (len(y), WINDOW, 4) and len(y) >= 40
    assert np.array_equal(x[0, 1:], thermometer(y[0, :-1]))  # the target is the next step's value


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
    assert sorted(int(node.delays.max()) for node in taps.values()) == sorted([0, 0, 0, *DILATIONS])
    x, y = windows("test")
    record = {}
    with torch.no_grad():
        oracle = model.sequence(torch.as_tensor(x), record).numpy()
    ref = simulate(graph, x, record=list(record))
    for name, spikes in record.items():
        assert np.array_equal(ref.recorded[name], spikes.numpy()), name
    assert np.max(np.abs(ref.output() - oracle)) < 1e-6
    assert rmse(oracle, y) <= FLOAT_RMSE_MAX < rmse(np.zeros_like(y), y)  # better than the zero forecast


@pytest.fixture(scope="module")
def compiled(trained):
    from snncompile.passes.quantize import QuantizeOptions, quantize

    return quantize(trained[1], "loihi2", QuantizeOptions(weight_split=2), calibrate=windows("train")[0])


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


@pytest.mark.lava
def test_lava_equals_the_emulator_bit_for_bit(trained, compiled):
    pytest.importorskip("lava")
    from snncompile.compare import compare_graphs

    c = compare_graphs(trained[1], compiled.fixed, compiled.lags, windows("test")[0][:2], ["emulator", "lava"])
    assert c.pairs[0].first_layer is None and all(r.spikes_a > 0 for r in c.pairs[0].layers)
    assert next(iter(c.output_max_error.values())) == 0.0

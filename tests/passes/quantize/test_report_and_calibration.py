import json

import numpy as np

from snncompile.compare import compare_graphs
from snncompile.emulator import emulate
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizationReport, quantize, render_report


def inhibited(steps=300):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=[[1.0, -1.0]]))
    g.add("n", LIF(shape=(1,), decay=1.0, threshold=1.0))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc", "n", "y")
    x = np.zeros((1, steps, 2))
    x[0, :, 1] = 1  # only the inhibitory input: v falls by 1 per step, without bound
    return g, x


def test_calibration_keeps_the_membrane_off_the_rails(loihi2):
    g, x = inhibited(1000)
    plain = quantize(g, loihi2)
    v = emulate(plain.fixed, x, membranes=["n"]).membranes["n"]
    assert v.min() == -(2**23 - 1)  # without calibration the 24-bit membrane saturates
    calibrated = quantize(g, loihi2, calibrate=x)
    layer = calibrated.plan.layers["n"]
    assert layer.limited_by == "calibrated v"
    assert layer.scale * layer.range.v_abs <= loihi2.state_max / 2
    v = emulate(calibrated.fixed, x, membranes=["n"]).membranes["n"]
    assert v.min() > -(2**23 - 1)
    (row,) = calibrated.report.layers
    assert row.v_peak <= 0.5 and row.v_peak == layer.scale * layer.range.v_abs / loihi2.state_max


def test_report_fields(loihi2):
    rng = np.random.default_rng(4)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc", Linear(weight=rng.normal(size=(5, 6))))
    g.add("n", LIF(shape=(5,), decay=0.9, threshold=1.0))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "fc", "n", "y")
    x = (rng.random((4, 50, 6)) < 0.3).astype(float)
    q = quantize(g, loihi2, calibrate=x)
    (layer,) = q.report.layers
    fixed = q.fixed.nodes["n"]
    assert (layer.name, layer.vth, layer.du, layer.dv, layer.lag) == ("n", fixed.vth, fixed.du, fixed.dv, 1)
    (syn,) = layer.synapses
    assert (syn.name, syn.kind, syn.sign_mode, syn.clipped) == ("fc", "FixedLinear", "mixed", 0)
    # even mantissas up to 254 for the largest weight: relative error about 1/254 at most per entry
    assert 0 < syn.relative_error < 2 / 254
    comparison = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
    assert layer.spike_agreement == comparison.pairs[0].layers[0].agreement
    assert layer.float_spikes == comparison.pairs[0].layers[0].spikes_a
    data = json.loads(json.dumps(q.report.to_dict()))
    assert QuantizationReport.from_dict(data) == q.report
    text = render_report(q.report)
    assert "quantization for loihi2" in text and "relative_error" in text and "spike_agreement" in text and "w_rel_err" not in text

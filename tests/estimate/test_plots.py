"""Report plots label layers with their kind and axes with units."""

import numpy as np

from snncompile.estimate.plots import PLOTS, embedded_figures, layer_activity, spike_raster
from snncompile.estimate.run import resolve_targets, run_estimates
from snncompile.ir import LIF, Graph, Input, Linear, Output


def report():
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((4, 3), 0.6)))
    g.add("h", LIF(shape=(4,), decay=0.9))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "h", "y")
    return run_estimates(g, {"x": np.ones((1, 10, 3))}, resolve_targets("loihi"))


def test_raster_and_activity_name_kinds_and_units():
    r = report()
    ax = spike_raster(r).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["h (LIF)\n4 neurons"]
    assert ax.get_xlabel() == "time (ms; one step = 1 ms)"
    spikes, ops = layer_activity(r).axes
    assert [t.get_text() for t in spikes.get_xticklabels()] == ["h (LIF)"] and spikes.get_ylabel() == "spikes per inference"
    assert [t.get_text() for t in ops.get_xticklabels()] == ["fc (Linear)"] and ops.get_ylabel() == "operations per inference"


def test_every_plot_is_embedded_as_a_png_data_uri():
    figures = embedded_figures(report())
    assert list(figures) == list(PLOTS) and all(u.startswith("data:image/png;base64,") for u in figures.values())

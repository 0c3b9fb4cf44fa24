"""Our .net files through netx's own hdf5.Network on Lava's CPU fixed_pt models: the
emulator's spikes, bit for bit. make test runs a few graphs; the full sweep is slow."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings

from snncompile.emulator import emulate
from snncompile.interop.netx import write_netx
from snncompile.interop.netx.run import run_netx
from snncompile.testing.netx_graphs import netx_cases

from .conftest import DATA

pytestmark = pytest.mark.lava


def _check(lava_dl, tmp_path_factory, case):
    path = tmp_path_factory.mktemp("netx") / "n.net"
    write_netx(case.graph, path)
    ours = emulate(case.graph, case.inputs).outputs["output"][0]
    with np.errstate(divide="ignore"):  # netx's optimize_weight_bits divides by 0 for one-signed matrices
        theirs = run_netx(path, case.inputs[0])
    assert np.array_equal(ours, theirs), (case.description, np.argwhere(ours != theirs)[:5].tolist())


@seed(14)
@settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(netx_cases(max_steps=12, max_layers=2, max_width=4))
def test_netx_on_lava_equals_emulator(lava_dl, tmp_path_factory, case):
    _check(lava_dl, tmp_path_factory, case)


@pytest.mark.slow
@seed(1)
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(netx_cases())
def test_netx_on_lava_equals_emulator_sweep(lava_dl, tmp_path_factory, case):
    _check(lava_dl, tmp_path_factory, case)


def test_nir_paper_lif_via_netx_reproduces_lavas_recorded_trace(lava_dl, tmp_path):
    """lif_norse.nir compiled with the NIR paper's own Lava conversion, exported to netx,
    run by netx: the spikes of the paper's recorded Lava CPU trace (1000 steps)."""
    from snncompile.interop.nir import read_nir
    from snncompile.passes.quantize import QuantizeOptions, quantize

    trace = np.loadtxt(DATA / "nir_paper/01_lif/lif_lava_cpu_fixed.csv", delimiter=",")
    g = read_nir(DATA / "nir_paper/01_lif/lif_norse.nir", dt=1e-4)
    options = QuantizeOptions(scale=16384, weight_exp=0, threshold_scale=16383.875, rounding="trunc", decay_unity=4095)
    path = tmp_path / "lif.net"
    write_netx(quantize(g, "loihi2", options).fixed, path)
    spikes = run_netx(path, trace[:, :1].astype(np.int64))
    assert np.array_equal(spikes[:, 0], trace[:, 2]) and spikes.sum() == 4

"""The CLI with netx files: export a loihi2 artifact --to netx, .net as a MODEL, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from snncompile.interop.netx import read_netx

DATA = Path(__file__).resolve().parents[1] / "data"
LIF = DATA / "nir_paper" / "01_lif" / "lif_norse.nir"


def test_compile_export_netx_then_use_the_net_file_as_a_model(run_cli, tmp_path):
    artifact, net = tmp_path / "lif.snnc", tmp_path / "lif.net"
    assert run_cli("compile", LIF, "-o", artifact)[0] == 0
    code, out, err = run_cli("export", artifact, "--to", "netx", "-o", net, "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "netx" and read_netx(net).nodes["layer1"].kind == "FixedLIF"
    trace = np.loadtxt(DATA / "nir_paper/01_lif/lif_lava_cpu_fixed.csv", delimiter=",")
    inputs = tmp_path / "in.npz"
    np.savez(inputs, input=trace[None, :, :1])
    for backend in ("emulator", "reference"):  # integer graph, then its SLAYER float meaning
        code, out, err = run_cli("simulate", net, "--input", inputs, "--backend", backend, "--json", "--no-progress")
        assert code == 0, err
    code, out, err = run_cli("inspect", net)
    assert code == 0 and "FixedLIF" in out


def test_export_refuses_with_one_line_and_exit_2(run_cli, tmp_path, ir_model):
    code, out, err = run_cli("export", ir_model, "--to", "netx", "-o", tmp_path / "x.net")
    assert code == 2 and "not integer nodes netx can hold" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.net").exists()


def test_a_broken_net_file_is_one_line_exit_2(run_cli, tmp_path):
    bad = tmp_path / "bad.net"
    bad.write_bytes(b"\x89HDF not really")
    code, out, err = run_cli("inspect", bad)
    assert code == 2 and str(bad) in err and len(err.strip().splitlines()) == 1

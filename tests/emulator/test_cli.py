import json

import numpy as np

from snncompile.cli.main import main
from snncompile.ir import Graph, Input, Linear, Output, save_graph
from snncompile.ir.fixed import FixedGraphBuilder


def test_simulate_fixed_graph_on_the_emulator(tmp_path, capsys, lava_cpu_trace):
    b = FixedGraphBuilder((1,), dt=1e-4)
    b.linear([[10]])
    lif = b.lif(du=4095, dv=163, vth=25)
    b.output()
    save_graph(b.graph, tmp_path / "lif.snnir")
    np.savez(tmp_path / "in.npz", input=lava_cpu_trace[None, :, :1].astype(np.int8))
    out = tmp_path / "out.npz"
    code = main(["simulate", str(tmp_path / "lif.snnir"), "--input", str(tmp_path / "in.npz"), "--backend",
                 "emulator", "--record", lif, "--membranes", "-o", str(out), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["backend"] == "emulator" and summary["outputs"]["output"]["spikes"] == 4
    with np.load(out) as saved:
        assert np.array_equal(saved[f"v.{lif}"][0, :, 0], lava_cpu_trace[:, 1])


def test_float_graph_on_the_emulator_is_a_one_line_error(tmp_path, capsys):
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "y")
    save_graph(g, tmp_path / "f.snnir")
    np.savez(tmp_path / "in.npz", input=np.zeros((1, 3, 2), np.float32))
    code = main(["simulate", str(tmp_path / "f.snnir"), "--input", str(tmp_path / "in.npz"), "--backend", "emulator"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "'fc' (Linear)" in err and "Traceback" not in err and len(err.splitlines()) == 1

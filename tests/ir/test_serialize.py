import json

import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.ir import (
    IF,
    LI,
    Comparator,
    Conv1d,
    CubaLIF,
    Delay,
    Graph,
    Input,
    Linear,
    Output,
    Reset,
    ResetTiming,
    load_graph,
    save_graph,
)
from snncompile.ir.serialize import graph_to_arrays


def sample_graph() -> Graph:
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2, 8)))
    g.add("conv", Conv1d(weight=np.random.rand(3, 2, 3), bias=np.ones(3), padding=1))
    g.add("cuba", CubaLIF(shape=(3, 8), syn_decay=0.5, decay=np.linspace(0.1, 0.9, 8),
                          reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED, comparator=Comparator.GE))
    g.add("d", Delay(delay=np.array([1, 2, 3, 4, 5, 6, 7, 8])))
    g.add("if", IF(shape=(3, 8), threshold=2.0))
    g.add("rec", Linear(weight=np.eye(8)))
    g.add("li", LI(shape=(3, 8), decay=0.99))
    g.add("y", Output(shape=(3, 8)))
    g.chain("x", "conv", "cuba", "d", "if", "li", "y")
    g.connect("if", "rec")
    g.connect("rec", "if", delay=3)
    return g.validate()


def test_round_trip_is_exact(tmp_path):
    g = sample_graph()
    save_graph(g, tmp_path / "g.snnir")
    h = load_graph(tmp_path / "g.snnir")
    assert g.equals(h)
    assert h.nodes["cuba"].comparator is Comparator.GE
    assert h.nodes["conv"].padding == (1,)


def test_newer_version_is_refused(tmp_path):
    arrays = graph_to_arrays(sample_graph())
    header = json.loads(str(arrays["__graph__"]))
    header["version"] = 99
    arrays["__graph__"] = np.array(json.dumps(header))
    np.savez(tmp_path / "new.npz", **arrays)
    with pytest.raises(InputError, match="version 99 is newer"):
        load_graph(tmp_path / "new.npz")


def test_garbage_and_missing_files(tmp_path):
    bad = tmp_path / "bad.snnir"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="bad.snnir: not a readable"):
        load_graph(bad)
    with pytest.raises(InputError, match="no such file"):
        load_graph(tmp_path / "missing.snnir")


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    save_graph(sample_graph(), tmp_path / "g.snnir")
    assert [p.name for p in tmp_path.iterdir()] == ["g.snnir"]


def test_ports_and_meta_round_trip(tmp_path):
    from snncompile.ir.host import MatMul

    g = Graph()
    g.add("q", Input(shape=(4, 3)))
    g.add("qk", MatMul(meta={"placement": "host", "origin": {"pass": "test"}}))
    g.add("y", Output(shape=(4, 4)))
    g.add("t", Linear(weight=np.ones((4, 3))))
    g.chain("q", "t")
    g.connect("q", "qk", port="a")
    g.connect("t", "qk", port="b", delay=0)
    g.connect("qk", "y")
    g.nodes["t"] = Linear(weight=np.ones((4, 3)))
    g.edges = [e for e in g.edges if e.src != "t"]
    g.add("tt", Input(shape=(3, 4)))
    g.connect("tt", "qk", port="b")
    g.validate()
    save_graph(g, tmp_path / "g.snnir")
    h = load_graph(tmp_path / "g.snnir")
    assert h.equals(g)
    assert h.nodes["qk"].meta == {"placement": "host", "origin": {"pass": "test"}}
    assert {(e.src, e.port) for e in h.incoming("qk")} == {("q", "a"), ("tt", "b")}


def test_version_1_files_load(tmp_path):
    g = sample_graph()
    arrays = graph_to_arrays(g)
    header = json.loads(str(arrays["__graph__"]))
    header["version"] = 1
    assert all(len(e) == 3 for e in header["edges"])
    arrays["__graph__"] = np.array(json.dumps(header))
    with open(tmp_path / "old.snnir", "wb") as f:
        np.savez(f, **arrays)
    assert load_graph(tmp_path / "old.snnir").equals(g)


def test_a_malformed_edge_is_named(tmp_path):
    arrays = graph_to_arrays(sample_graph())
    header = json.loads(str(arrays["__graph__"]))
    header["edges"][0] = ["x", "conv"]
    arrays["__graph__"] = np.array(json.dumps(header))
    with open(tmp_path / "bad.snnir", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(InputError, match="an edge must be"):
        load_graph(tmp_path / "bad.snnir")

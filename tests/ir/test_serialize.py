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
from snncompile.npz import write_npz


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


def _with_header(tmp_path, text: str):
    arrays = graph_to_arrays(sample_graph())
    arrays["__graph__"] = np.array(text)
    path = tmp_path / "edited.snnir"
    write_npz(path, arrays)
    return path


def _edited(edit):
    doc = json.loads(str(graph_to_arrays(sample_graph())["__graph__"]))
    edit(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(("text", "expected"), [
    ("null", "the graph header must be a JSON object, found null"),
    ("[1, 2]", "the graph header must be a JSON object, found a list"),
    ('{"format": ' + "[" * 100000 + "]" * 100000 + "}", "header '__graph__' is nested too deeply"),
    ("not json", "header '__graph__' is not valid JSON"),
    (_edited(lambda d: d.pop("edges")), "needs lists 'nodes' and 'edges', found a list and null"),
    (_edited(lambda d: d.__setitem__("dt", 0)), "dt must be a positive number of seconds, found 0"),
    (_edited(lambda d: d.__setitem__("version", "2")), "version must be a positive integer, found '2'"),
    (_edited(lambda d: d["nodes"][1].__setitem__("kind", "Banana")), "node 'conv' has unknown kind 'Banana'"),
    (_edited(lambda d: d["nodes"][1].__setitem__("attrs", None)), "node 'conv': 'attrs' must be a JSON object"),
    (_edited(lambda d: d["nodes"][1]["arrays"].__setitem__("weight", "gone")),
     "node 'conv' (Conv1d): its 'weight' array 'gone' is not in the file"),
    (_edited(lambda d: d["nodes"].append(dict(d["nodes"][1]))), "node 'conv' is defined twice"),
    (_edited(lambda d: d["edges"][0].__setitem__(2, 10**18)), "edge x -> conv has delay 1000000000000000000"),
    (_edited(lambda d: d["edges"][0].__setitem__(2, True)), "edge x -> conv has delay True"),
    (_edited(lambda d: d["nodes"][1]["attrs"].__setitem__("groups", [[1]])), "node 'conv' (Conv1d): "),
])
def test_malformed_headers_are_named(tmp_path, text, expected):
    path = _with_header(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_graph(path)
    assert str(info.value).startswith(str(path)) and expected in str(info.value), str(info.value)


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-Infinity", "1e400"])
def test_non_finite_json_numbers_are_refused(tmp_path, value):
    text = _edited(lambda d: d.__setitem__("dt", "FUZZ")).replace('"FUZZ"', value)
    with pytest.raises(InputError, match="not valid JSON"):
        load_graph(_with_header(tmp_path, text))


def test_complex_and_non_numeric_parameter_arrays_are_refused(tmp_path):
    arrays = graph_to_arrays(sample_graph())
    arrays["n1/weight"] = arrays["n1/weight"] * (1 + 2j)
    write_npz(tmp_path / "c.snnir", arrays)
    with pytest.raises(InputError, match=r"node 'conv' \(Conv1d\): 'weight' holds complex values"):
        load_graph(tmp_path / "c.snnir")
    arrays["n1/weight"] = np.ones(arrays["n1/weight"].shape, "m8[s]")
    with open(tmp_path / "t.snnir", "wb") as handle:  # a hostile writer: numpy's own
        np.savez(handle, **arrays)
    with pytest.raises(InputError, match="'weight' has dtype timedelta64"):
        load_graph(tmp_path / "t.snnir")


def test_the_same_graph_gives_the_same_bytes(tmp_path):
    g = sample_graph()
    save_graph(g, tmp_path / "a.snnir")
    save_graph(g.copy(), tmp_path / "b.snnir")
    assert (tmp_path / "a.snnir").read_bytes() == (tmp_path / "b.snnir").read_bytes()

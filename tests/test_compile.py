import json
import zipfile

import numpy as np
import pytest

from snncompile.compile import (
    FORMAT,
    VERSION,
    build_artifact,
    file_sha256,
    load_artifact,
    save_artifact,
)
from snncompile.errors import InputError
from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph
from snncompile.passes.quantize import QuantizeOptions


def model():
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=[[0.5, -0.2, 0.1], [0.3, 0.3, -0.4]], bias=[0.01, 0.0]))
    g.add("lif", LIF(shape=(2,), decay=0.9, threshold=1.0))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    return g


@pytest.fixture
def artifact(tmp_path):
    src = tmp_path / "m.snnir"
    save_graph(model(), src)
    x = (np.random.default_rng(0).random((3, 20, 3)) < 0.5).astype(float)
    art = build_artifact(model(), "loihi2", QuantizeOptions(rounding="trunc", auto_precision=False), calibrate=x,
                         source=str(src))
    path = tmp_path / "m.snnc"
    save_artifact(art, path)
    return art, path, src


def test_round_trip(artifact):
    art, path, src = artifact
    back = load_artifact(path)
    assert back.fixed.equals(art.fixed) and back.float_graph.equals(art.float_graph)
    assert back.report == art.report
    assert dict(back.lags) == dict(art.lags) == {"x": 0, "fc": 0, "lif": 1, "y": 1, "bias_source": 0, "lif.bias": 0}
    assert back.target["name"] == "loihi2" and len(back.target["descriptor_sha256"]) == 64
    assert back.target["spec"]["threshold_shift"] == 6
    prov = back.provenance
    assert prov["source"] == {"path": str(src), "sha256": file_sha256(src)}
    assert prov["options"]["rounding"] == "trunc" and prov["snncompile"] and prov["created"] is None  # SOURCE_DATE_EPOCH unset: no clock time (reproducible)
    assert back.version == VERSION


def test_written_atomically(artifact):
    _, path, _ = artifact
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def _rewrite_header(path, out, **changes):
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["__artifact__"]))
    header.update(changes)
    arrays["__artifact__"] = np.array(json.dumps(header))
    np.savez(out, **arrays)


def test_newer_version_is_refused(artifact, tmp_path):
    _, path, _ = artifact
    _rewrite_header(path, tmp_path / "new.npz", version=VERSION + 1)
    with pytest.raises(InputError, match=f"artifact version {VERSION + 1} is newer"):
        load_artifact(tmp_path / "new.npz")


def test_wrong_format_is_refused(artifact, tmp_path):
    _, path, _ = artifact
    _rewrite_header(path, tmp_path / "other.npz", format="something-else")
    with pytest.raises(InputError, match=f"format 'something-else' is not '{FORMAT}'"):
        load_artifact(tmp_path / "other.npz")


@pytest.mark.parametrize("make", ["garbage", "ir_file", "missing", "truncated"])
def test_bad_artifacts_give_one_line_errors(artifact, tmp_path, make):
    _, good, _ = artifact
    path = tmp_path / "bad.snnc"
    if make == "garbage":
        path.write_bytes(b"not a zip at all")
    elif make == "ir_file":
        save_graph(model(), path)
    elif make == "truncated":
        path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(InputError) as err:
        load_artifact(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message


def test_artifact_never_unpickles(artifact):
    _, path, _ = artifact
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert name.endswith(".npy")
    with np.load(path, allow_pickle=False) as data:  # would raise on object arrays
        for key in data.files:
            assert data[key].dtype != object


def test_report_says_whether_lava_can_run_it():
    from snncompile.ir import Reset

    art = build_artifact(model(), "loihi2")
    assert art.report.notes[-1].startswith("expressible in Lava")
    g = model()
    g.nodes["lif"] = g.nodes["lif"].replace(reset=Reset.SUBTRACT)
    art = build_artifact(g, "loihi2")
    assert art.report.notes[-1].startswith("not expressible in Lava: ") and "'lif'" in art.report.notes[-1]
    assert "subtract" in art.report.notes[-1]


def _arrays(path):
    from snncompile.npz import read_npz

    return read_npz(path)


def _write(arrays, path):
    from snncompile.npz import write_npz

    write_npz(path, arrays)
    return path


def test_stored_graphs_carry_digests_that_are_checked(artifact, tmp_path):
    _, path, _ = artifact
    arrays = _arrays(path)
    header = json.loads(str(arrays["__artifact__"]))
    assert set(header["digests"]) == {"fixed", "float"} and all(len(d) == 64 for d in header["digests"].values())
    for key in ("float/n1/weight", "fixed/__graph__"):  # a value of the float graph; the fixed graph's header
        changed = dict(arrays)
        if key.endswith("__graph__"):
            changed[key] = np.array(str(arrays[key]).replace('"dt": 0.001', '"dt": 0.002'))
        else:
            changed[key] = arrays[key] + 0.25
        part = key.split("/")[0]
        with pytest.raises(InputError, match=f"the stored {part} graph does not match its digest"):
            load_artifact(_write(changed, tmp_path / f"{part}.snnc"))


def test_an_artifact_without_digests_is_read_with_a_warning(artifact, tmp_path):
    art, path, _ = artifact
    arrays = _arrays(path)
    header = json.loads(str(arrays["__artifact__"]))
    del header["digests"]
    arrays["__artifact__"] = np.array(json.dumps(header))
    with pytest.warns(UserWarning, match="written without graph digests .* cannot be verified"):
        back = load_artifact(_write(arrays, tmp_path / "old.snnc"))
    assert back.fixed.equals(art.fixed)


def test_both_graphs_are_verified_when_loaded(artifact, tmp_path):
    """The issue's case: a corrupted float graph (here consistent with its digest, as a
    buggy writer would make it) passed until a command used it."""
    from snncompile.compile import graph_digest

    _, path, _ = artifact
    arrays = _arrays(path)
    arrays["float/n1/weight"] = arrays["float/n1/weight"][:, :2]  # 2 inputs for a 3-wide input
    header = json.loads(str(arrays["__artifact__"]))
    header["digests"]["float"] = graph_digest(arrays, "float/")
    arrays["__artifact__"] = np.array(json.dumps(header))
    with pytest.raises(InputError, match=r"bad.snnc \(float graph\): node 'fc' \(Linear\)"):
        load_artifact(_write(arrays, tmp_path / "bad.snnc"))


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda h: h.__setitem__("lags", {"x": 0}), "no lag recorded for ['lif', 'y']"),
    (lambda h: h["lags"].__setitem__("lif", -1), "lags must be step counts"),
    (lambda h: h["lags"].__setitem__("ghost", 1), "lags must be step counts"),
    (lambda h: h.__setitem__("report", []), "entries ['report'] must be JSON objects"),
    (lambda h: h["report"]["layers"][0].__setitem__("vth", "high"), "the quantization report is malformed ('vth'"),
    (lambda h: h["report"].pop("layers"), "the quantization report is malformed"),
    (lambda h: h.__setitem__("target", {"name": 5}), "must name the target and hold its spec"),
    (lambda h: h.__setitem__("digests", {"fixed": "0"}), "'digests' must hold a SHA-256"),
    (lambda h: h.__setitem__("version", True), "version must be a positive integer, found True"),
])
def test_malformed_artifact_headers_are_named(artifact, tmp_path, edit, expected):
    _, path, _ = artifact
    arrays = _arrays(path)
    header = json.loads(str(arrays["__artifact__"]))
    edit(header)
    arrays["__artifact__"] = np.array(json.dumps(header))
    with pytest.raises(InputError) as info:
        load_artifact(_write(arrays, tmp_path / "h.snnc"))
    assert str(info.value).startswith(str(tmp_path / "h.snnc")) and expected in str(info.value)


COMPILE = """
import sys
from snncompile.cli.main import main
sys.exit(main(["compile", sys.argv[1], "--target", "loihi2", "--calibrate", sys.argv[2], "-o", sys.argv[3]]))
"""


def test_two_compiles_in_two_processes_give_the_same_bytes(tmp_path):
    """Same input, two processes (different hash seeds, different seconds): identical
    artifacts. The creation time is recorded only from SOURCE_DATE_EPOCH."""
    import os
    import subprocess
    import sys
    import time

    save_graph(model(), tmp_path / "m.snnir")
    x = (np.random.default_rng(0).random((3, 20, 3)) < 0.5).astype(float)
    np.savez(tmp_path / "x.npz", input=x)
    procs = []
    for i, seed in enumerate(("1", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env.pop("SOURCE_DATE_EPOCH", None)
        procs.append(subprocess.Popen([sys.executable, "-c", COMPILE, str(tmp_path / "m.snnir"), str(tmp_path / "x.npz"),
                                       str(tmp_path / f"out{i}.snnc")], env=env, stderr=subprocess.PIPE, text=True))
        time.sleep(1.1)  # the two compiles start in different seconds
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    assert (tmp_path / "out0.snnc").read_bytes() == (tmp_path / "out1.snnc").read_bytes()
    assert load_artifact(tmp_path / "out0.snnc").provenance["created"] is None


def test_source_date_epoch_is_the_recorded_creation_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_artifact(model(), "loihi2").provenance["created"] == "2023-11-14T22:13:20+00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH='yesterday'"):
        build_artifact(model(), "loihi2")


def test_version_1_artifacts_still_load(artifact, tmp_path):
    _, path, _ = artifact
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["__artifact__"]))
    header["version"] = 1
    del header["partition"]
    arrays["__artifact__"] = np.array(json.dumps(header))
    np.savez(tmp_path / "v1.npz", **arrays)
    old = load_artifact(tmp_path / "v1.npz")
    assert old.version == 1 and old.partition is None and old.fixed.equals(artifact[0].fixed)


def test_a_mixed_graph_compiles_with_its_partition_stored():
    from snncompile.testing.mixed_graphs import float_attention

    x = (np.random.default_rng(1).random((4, 20, 4, 6)) < 0.5).astype(float)
    art = build_artifact(float_attention(), "loihi2", calibrate=x)
    part = art.partition
    assert part is not None and part.host == "host-cortex-a72"
    assert set(part.host_nodes) == {"qk"}  # the partition's reasons (the boundary is added after; s folded)
    assert [s.placement for s in part.segments] == ["chip", "host", "chip"]
    assert "on every chip segment" in art.report.notes[-1]


def test_partition_survives_save_and_load(tmp_path):
    from snncompile.testing.mixed_graphs import float_attention

    x = (np.random.default_rng(1).random((4, 20, 4, 6)) < 0.5).astype(float)
    art = build_artifact(float_attention(), "loihi2", calibrate=x)
    save_artifact(art, tmp_path / "a.snnc")
    back = load_artifact(tmp_path / "a.snnc")
    assert back.partition == art.partition
    assert back.fixed.nodes["qk"].meta["placement"] == "host" and back.fixed.nodes["q"].meta["segment"] == "chip0"


def test_host_must_be_a_host_descriptor():
    """issue 13: --host loihi2 (a chip) was accepted, and the host part's time and energy
    silently had no figures."""
    with pytest.raises(InputError, match=r"host=loihi2: expected a host descriptor \(a target of kind 'host', "
                                         r"such as host-cortex-a72\), found kind 'neuromorphic'"):
        build_artifact(model(), "loihi2", host="loihi2")

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
    art = build_artifact(model(), "loihi2", QuantizeOptions(rounding="trunc"), calibrate=x, source=str(src))
    path = tmp_path / "m.snnc"
    save_artifact(art, path)
    return art, path, src


def test_round_trip(artifact):
    art, path, src = artifact
    back = load_artifact(path)
    assert back.fixed.equals(art.fixed) and back.float_graph.equals(art.float_graph)
    assert back.report == art.report and dict(back.lags) == dict(art.lags) == {"x": 0, "fc": 0, "lif": 1, "y": 1}
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

"""An artifact's partition section is checked field by field against its fixed graph
when loaded (issue 13: an artifact is verified whole; a wrong type there used to load and
wait for whichever command first used it)."""

import json

import numpy as np
import pytest

from snncompile.compile import build_artifact, load_artifact, save_artifact
from snncompile.errors import InputError


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    from snncompile.testing.mixed_graphs import float_attention

    x = (np.random.default_rng(1).random((4, 20, 4, 6)) < 0.5).astype(float)
    path = tmp_path_factory.mktemp("mixed") / "a.snnc"
    save_artifact(build_artifact(float_attention(), "loihi2", calibrate=x), path)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return path, arrays


def edited(mixed, tmp_path, edit):
    _, arrays = mixed
    header = json.loads(str(arrays["__artifact__"]))
    edit(header["partition"])
    out = dict(arrays, __artifact__=np.array(json.dumps(header)))
    with open(tmp_path / "e.snnc", "wb") as handle:  # a path would get '.npz' appended
        np.savez(handle, **out)
    return tmp_path / "e.snnc"


def test_the_written_section_passes_and_loads_as_written(mixed):
    art = load_artifact(mixed[0])
    assert art.partition is not None and [s.placement for s in art.partition.segments] == ["chip", "host", "chip"]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda p: p.__setitem__("host_step_s", "fast"), "host_step_s must be a non-negative finite number, found 'fast'"),
    (lambda p: p.__setitem__("host_ops_per_step", -1), "host_ops_per_step must be a non-negative finite number"),
    (lambda p: p["segments"][0].__setitem__("placement", "cloud"), r"segments\[0\].placement must be one of "
                                                                    r"\['chip', 'host'\], found 'cloud'"),
    (lambda p: p["segments"][1]["nodes"].append("ghost"), r"segments\[1\].nodes names \['ghost'\], not nodes of "
                                                          "the fixed graph"),
    (lambda p: p["crossings"][0].__setitem__("per_step", 2.5), r"crossings\[0\].per_step must be a count"),
    (lambda p: p["crossings"][0].__setitem__("direction", "chip->chip"), r"crossings\[0\].direction must be one"),
    (lambda p: p.__setitem__("host_nodes", {"qk": 3}), "host_nodes must map nodes to reasons"),
    (lambda p: p.__setitem__("segments", None), "segments must be a list, found NoneType"),
    (lambda p: p.__setitem__("notes", "x"), "notes must be a list of strings"),
    (lambda p: p.clear(), "target must be a string, found None; host must be a string"),
])
def test_a_malformed_field_is_named_with_the_file(mixed, tmp_path, edit, expected):
    path = edited(mixed, tmp_path, edit)
    with pytest.raises(InputError, match=f"e.snnc: the partition section is malformed: .*{expected}"):
        load_artifact(path)


def test_many_problems_are_counted_not_listed():
    from snncompile.ir import Graph
    from snncompile.partition_check import SHOWN, check_partition

    with pytest.raises(InputError) as info:
        check_partition({"segments": [1, 2, 3, 4, 5]}, Graph(), "x.snnc")
    assert str(info.value).count(";") == SHOWN - 1 and "more)" in str(info.value)

"""Untrusted HDF5 files are walked in a child process before they are read: a file that
hangs or crashes the HDF5 library, declares a huge dataset, loops or links elsewhere is a
one-line error naming it, within the time limit."""

import shutil
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.hdf5check import MAX_DEPTH, check_hdf5
from snncompile.interop.nir import read_nir

DATA = Path(__file__).resolve().parent / "data"
HOSTILE = DATA / "hostile"
GOOD = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir"


def test_a_file_that_hangs_hdf5_is_stopped_within_the_limit(monkeypatch):
    """hdf5_hang.nir makes HDF5 loop forever when read directly (see its README)."""
    monkeypatch.setenv("SNNCOMPILE_READ_TIMEOUT", "2")
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        read_nir(HOSTILE / "hdf5_hang.nir")
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert message.startswith(str(HOSTILE / "hdf5_hang.nir")) and "did not finish within 2 s" in message
    assert "SNNCOMPILE_READ_TIMEOUT" in message


def test_a_file_that_crashes_hdf5_is_an_error():
    """hdf5_segfault.nir kills the reading process with SIGSEGV (see its README)."""
    with pytest.raises(InputError, match=r"hdf5_segfault.nir: the HDF5 library crashed reading this NIR file "
                                         r"\(signal 11\); the file is corrupt"):
        read_nir(HOSTILE / "hdf5_segfault.nir")


def _copy(tmp_path):
    path = tmp_path / "edited.nir"
    shutil.copyfile(GOOD, path)
    return path


def test_a_huge_declared_dataset_is_refused_with_the_number(tmp_path):
    """The issue's case: a dataset declared (30000, 30000) float64 (7.2 GB) in a small file."""
    path = _copy(tmp_path)
    with h5py.File(path, "r+") as f:
        del f["node/nodes/fc1/weight"]
        f.create_dataset("node/nodes/fc1/weight", shape=(30000, 30000), dtype="f8", chunks=(1, 1), fillvalue=1.0)
    assert path.stat().st_size < 200_000
    with pytest.raises(InputError) as info:
        check_hdf5(str(path))
    assert "dataset '/node/nodes/fc1/weight' declares shape (30000, 30000) (7.2 GB)" in str(info.value)
    assert "SNNCOMPILE_MAX_ARRAY_BYTES" in str(info.value)


def test_cycles_links_out_and_deep_nesting_are_refused(tmp_path):
    cases = {
        "cycle": lambda f: f["node/nodes/fc1"].__setitem__("loop", f["node"]),
        "external": lambda f: f["node"].__setitem__("x", h5py.ExternalLink("/etc/hostname", "/")),
        "dangling": lambda f: f["node"].__setitem__("x", h5py.SoftLink("/nowhere")),
        "deep": lambda f: f["node"].create_group("/".join(["g"] * (MAX_DEPTH + 2))),
    }
    expected = {
        "cycle": "group '/node/nodes/fc1/loop' is the group '/node' again",
        "external": "links to another file ('/etc/hostname'), which snncompile never follows",
        "dangling": "'/node/x' is a soft link to '/nowhere', which does not exist",
        "deep": f"groups nested deeper than {MAX_DEPTH} levels",
    }
    for name, edit in cases.items():
        path = tmp_path / f"{name}.nir"
        shutil.copyfile(GOOD, path)
        with h5py.File(path, "r+") as f:
            edit(f)
        with pytest.raises(InputError) as info:
            check_hdf5(str(path))
        assert str(info.value).startswith(str(path)) and expected[name] in str(info.value), name


def test_valid_files_pass_and_are_read_unchanged():
    check_hdf5(str(GOOD))
    graph = read_nir(GOOD)
    assert graph.inputs == ["input"] and np.isfinite(graph.nodes["fc1"].weight).all()

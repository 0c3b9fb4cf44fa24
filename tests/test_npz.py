"""snncompile.npz: records written as plain NumPy files (streamed, spikes as bool,
reproducible bytes), and archives from untrusted files read safely: checked before
anything is allocated, every failure one InputError naming the file."""

import io
import struct
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

from snncompile import npz
from snncompile.api import load_inputs
from snncompile.errors import InputError
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.npz import read_npz, write_npz
from snncompile.testing.fuzz.archives import npy_bytes, npy_header, write_members


def test_spikes_are_bool_and_other_arrays_keep_their_dtype(tmp_path):
    rng = np.random.default_rng(0)
    spikes = (rng.random((3, 7, 5)) < 0.3).astype(np.int8)
    floats = (rng.random((3, 7, 5)) < 0.3).astype(np.float64)  # 0/1 floats (the reference backend)
    v = rng.integers(-(2**23), 2**23, (3, 7, 5)).astype(np.int32)
    path = tmp_path / "out.npz"
    write_npz(path, {"output": spikes, "spikes.a": floats, "v.a": v}, spikes={"output", "spikes.a"})
    with np.load(path) as data:  # plain numpy, no snncompile
        assert data["output"].dtype == bool and np.array_equal(data["output"], spikes)
        assert data["spikes.a"].dtype == bool and np.array_equal(data["spikes.a"], floats)
        assert data["v.a"].dtype == np.int32 and np.array_equal(data["v.a"], v)
    with zipfile.ZipFile(path) as archive:  # not compressed by default
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_compress_deflates(tmp_path):
    x = np.zeros((4, 1000, 64), np.int8)
    write_npz(tmp_path / "c.npz", {"output": x}, spikes={"output"}, compress=True)
    with zipfile.ZipFile(tmp_path / "c.npz") as archive:
        assert archive.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
    with np.load(tmp_path / "c.npz") as data:
        assert data["output"].shape == x.shape and not data["output"].any()


@pytest.mark.parametrize("shape", [(5, 3, 4), (1, 2, 3000), (0, 4), (), (7,)])
def test_blocks_smaller_than_a_row_and_odd_shapes(tmp_path, monkeypatch, shape):
    monkeypatch.setattr(npz, "BLOCK_BYTES", 64)  # force rows to be split across blocks
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, shape).astype(np.float32)
    b = np.asfortranarray(rng.normal(size=shape)) if len(shape) > 1 else rng.normal(size=shape)
    write_npz(tmp_path / "b.npz", {"s": a, "f": b}, spikes={"s"})
    with np.load(tmp_path / "b.npz") as data:
        assert np.array_equal(data["s"], a != 0) and data["s"].dtype == bool
        assert np.array_equal(data["f"], b)


def test_non_contiguous_views_are_written_in_order(tmp_path):
    base = np.arange(2 * 5 * 9, dtype=np.int32).reshape(2, 5, 9)
    view = base[:, :, 3:7]  # how the emulator hands out one node of a shared record
    write_npz(tmp_path / "v.npz", {"x": view})
    with np.load(tmp_path / "v.npz") as data:
        assert np.array_equal(data["x"], view)


def test_a_written_spike_record_reads_back_as_input(tmp_path):
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=np.eye(4)))
    g.add("lif", LIF(shape=(4,), decay=0.5))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "lif", "y")
    spikes = (np.random.default_rng(2).random((2, 6, 4)) < 0.5).astype(np.int8)
    write_npz(tmp_path / "s.npz", {"input": spikes}, spikes={"input"})
    data = load_inputs(str(tmp_path / "s.npz"), g)
    assert data.arrays["x"].dtype == bool and np.array_equal(data.arrays["x"], spikes)


# -- reading untrusted archives (issue 13) ----------------------------------------------------
def _archive(path, **members):
    write_members(path, {f"{k}.npy": v for k, v in members.items()})
    return path


def test_round_trip(tmp_path):
    arrays = {"input": np.arange(24.0).reshape(2, 3, 4), "labels": np.array([0, 1]), "big": np.ones(3, ">f4"),
              "fortran": np.asfortranarray(np.arange(6).reshape(2, 3)), "text": np.array("{}")}
    write_npz(tmp_path / "a.npz", arrays)
    back = read_npz(tmp_path / "a.npz")
    assert list(back) == list(arrays)
    for k, v in arrays.items():
        assert np.array_equal(back[k], v) and back[k].dtype == v.dtype and back[k].flags.writeable


def test_numpy_savez_files_are_read(tmp_path):
    np.savez_compressed(tmp_path / "n.npz", x=np.ones((2, 3)), y=np.array(["a"]))
    assert read_npz(tmp_path / "n.npz")["x"].shape == (2, 3)


def test_the_same_arrays_give_the_same_bytes(tmp_path):
    arrays = {"w": np.random.default_rng(0).random((5, 5)), "h": np.array("header")}
    write_npz(tmp_path / "a.npz", arrays)
    write_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.npz") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_declared_billion_samples_is_refused_with_the_number_before_allocating(tmp_path):
    """The issue's case: an npy header declaring 1e9 samples (24 GB), a few bytes of data."""
    path = _archive(tmp_path / "in.npz")
    write_members(path, {"input.npy": npy_header("<f8", (10**9, 1, 3)) + bytes(64)})
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            read_npz(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert message.startswith(str(path)) and "'input'" in message and "(1000000000, 1, 3)" in message
    assert "24.0 GB (24000000000 bytes)" in message and "SNNCOMPILE_MAX_ARRAY_BYTES" in message
    assert peak < 5_000_000  # nothing near the declared size was allocated


def test_a_declared_size_within_the_limit_must_be_in_the_file(tmp_path):
    path = tmp_path / "in.npz"
    write_members(path, {"input.npy": npy_header("<f8", (1000, 100)) + bytes(80)})
    with pytest.raises(InputError, match=r"declares shape \(1000, 100\) float64 \(800000 bytes\) but its archive "
                                         r"member holds only"):
        read_npz(path)


def test_the_limit_is_configurable(tmp_path, monkeypatch):
    write_npz(tmp_path / "a.npz", {"x": np.zeros(1000)})
    monkeypatch.setenv("SNNCOMPILE_MAX_ARRAY_BYTES", "4000")
    with pytest.raises(InputError, match=r"the archive \(all its arrays\) needs 8.1 kB \(8128 bytes\), more than the 4.0 kB"):
        read_npz(tmp_path / "a.npz")
    monkeypatch.setenv("SNNCOMPILE_MAX_ARRAY_BYTES", "lots")
    with pytest.raises(InputError, match="SNNCOMPILE_MAX_ARRAY_BYTES='lots': expected a positive number of bytes"):
        read_npz(tmp_path / "a.npz")


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p.write_bytes(npy_bytes(np.ones(3))), "a plain .npy array, not a .npz archive"),
    (lambda p: write_members(p, {"x.npy": npy_header("|O", (2,)) + bytes(16)}), "dtype object"),
    (lambda p: write_members(p, {"x.npy": npy_header("V0", (10**12,))}), "dtype |V0"),
    (lambda p: write_members(p, {"x.txt": b"hello"}), "member 'x.txt' is not an .npy array"),
    (lambda p: write_members(p, {"x.npy": b"\x93NUMPY\x09\x00junk"}), "array 'x' has npy format version 9.0"),
    (lambda p: write_members(p, {"x.npy": b"\x93NUMPY\x01\x00junk"}), "array 'x' is unreadable"),
    (lambda p: p.write_bytes(b""), "not a readable .npz archive"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(100)), "not a readable .npz archive"),
])
def test_malformed_archives_are_one_line_errors(tmp_path, make, expected):
    path = tmp_path / "bad.npz"
    make(path)
    with pytest.raises(InputError) as info:
        read_npz(path)
    assert str(info.value).startswith(str(path)) and expected in str(info.value) and "\n" not in str(info.value)


def _corrupt(path, at, value):
    data = bytearray(path.read_bytes())
    data[at:at + len(value)] = value
    path.write_bytes(bytes(data))


def test_zip_layer_failures_are_named(tmp_path):
    """The classes the issue found escaping: a corrupt deflate stream (zlib.error), an
    unsupported zip version (NotImplementedError), a bad CRC, a truncated member."""
    write_npz(tmp_path / "good.npz", {"x": np.arange(1000.0)}, compress=True)
    good = (tmp_path / "good.npz").read_bytes()
    local, central = good.find(b"PK\x03\x04"), good.find(b"PK\x01\x02")
    data = local + 30 + sum(struct.unpack("<HH", good[local + 26:local + 30]))  # after the name and extra field
    cases = {
        "version": (central + 6, bytes([80])),  # 8.0: zipfile raises NotImplementedError
        "deflate": (data + 5, b"\xff\xff\xff\xff"),
        "crc": (central + 16, b"\x00\x00\x00\x00"),
    }
    for name, (at, value) in cases.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(good)
        _corrupt(path, at, value)
        with pytest.raises(InputError) as info:
            read_npz(path)
        assert str(info.value).startswith(str(path)), name
    (tmp_path / "cut.npz").write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match="cut.npz: not a readable"):
        read_npz(tmp_path / "cut.npz")


def test_members_are_never_unpickled(tmp_path):
    """An object array written with pickles enabled is refused, and the pickle's code
    never runs (it would print)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([print], dtype=object), allow_pickle=True)
    write_members(tmp_path / "p.npz", {"x.npy": buffer.getvalue()})
    code = ("from snncompile.npz import read_npz\n"
            f"try:\n    read_npz({str(tmp_path / 'p.npz')!r})\nexcept Exception as e:\n    print('refused', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.startswith("refused") and "dtype object" in out

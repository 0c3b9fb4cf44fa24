import zipfile

import numpy as np
import pytest

from snncompile import npz
from snncompile.api import load_inputs
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.npz import write_npz


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

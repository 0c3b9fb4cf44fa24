import numpy as np
import pytest

from snncompile.datasets import Layout, batch_ranges, open_data, reopen
from snncompile.errors import InputError

LAYOUT = Layout({"x": (3,)}, 1e-3)


def _write(folder, sizes, steps=5, seed=0):
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i, n in enumerate(sizes):
        x = rng.integers(0, 2, (n, steps, 3)).astype(np.uint8)
        y = rng.integers(0, 4, n)
        np.savez_compressed(folder / f"shard{i}.npz", input=x, labels=y)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def test_shards_read_in_natural_order_equal_the_whole_set(tmp_path):
    x, y = _write(tmp_path / "d", [4] * 11)  # shard10 after shard2
    ds = open_data(tmp_path / "d", LAYOUT)
    assert (len(ds), ds.steps, ds.labelled) == (44, 5, True)
    got = [ds.read(a, b) for a, b in batch_ranges(ds, 3)]
    assert np.array_equal(np.concatenate([b.arrays["x"] for b in got]), x)
    assert np.array_equal(np.concatenate([b.labels for b in got]), y)
    assert [b.start for b in got][:3] == [0, 3, 4]


def test_one_shard_in_memory_at_a_time(tmp_path):
    _write(tmp_path / "d", [4, 4, 4])
    ds = open_data(tmp_path / "d", LAYOUT)
    ds.read(0, 2)
    ds.read(5, 7)
    assert ds._cached[0] == 1  # the shard of samples 4..7 replaced the first


def test_a_spec_reopens_without_rescanning(tmp_path):
    _write(tmp_path / "d", [3, 2])
    ds = open_data(tmp_path / "d", LAYOUT)
    again = reopen(ds.spec)
    assert np.array_equal(again.read(3, 5).arrays["x"], ds.read(3, 5).arrays["x"])


def test_single_file_and_per_node_arrays(tmp_path):
    layout = Layout({"a": (2,), "b": (1,)}, 1e-3)
    np.savez(tmp_path / "two.npz", a=np.ones((3, 4, 2)), b=np.zeros((3, 4, 1)))
    ds = open_data(tmp_path / "two.npz", layout)
    batch = ds.read(0, 3)
    assert batch.labels is None and set(batch.arrays) == {"a", "b"}


@pytest.mark.parametrize("arrays,match", [
    ({"input": np.zeros((2, 5, 4))}, r"must be \(samples, time, 3\); found shape \(2, 5, 4\)"),
    ({"spikes": np.zeros((2, 5, 3))}, r"expected 'input'; found arrays \['spikes'\]"),
    ({"input": np.zeros((2, 5, 3)), "labels": np.zeros(3)}, "'labels' has 3 entries for 2 samples"),
    ({"input": np.array([[["a"] * 3] * 5] * 2)}, "must hold numbers"),
])
def test_bad_shards_are_named(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(InputError, match=match):
        open_data(tmp_path / "bad.npz", LAYOUT)


def test_shards_must_agree(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    np.savez(folder / "a.npz", input=np.zeros((2, 5, 3)), labels=[0, 1])
    np.savez(folder / "b.npz", input=np.zeros((2, 6, 3)), labels=[0, 1])
    with pytest.raises(InputError, match=r"b.npz: 6 time steps; earlier shards have 5"):
        open_data(folder, LAYOUT)
    np.savez(folder / "b.npz", input=np.zeros((2, 5, 3)))
    with pytest.raises(InputError, match="b.npz: lacks 'labels' unlike earlier shards"):
        open_data(folder, LAYOUT)


def test_pickled_arrays_are_never_loaded(tmp_path):
    np.savez(tmp_path / "obj.npz", input=np.zeros((2, 5, 3)), labels=np.array([{"x": 1}, 2], dtype=object))
    with pytest.raises(InputError, match="obj.npz: 'labels' must hold integers, found dtype object"):
        open_data(tmp_path / "obj.npz", LAYOUT)  # refused from its header: nothing is unpickled
    np.savez(tmp_path / "ok.npz", input=np.zeros((2, 5, 3)), labels=[0, 1])
    ds = open_data(tmp_path / "ok.npz", LAYOUT)
    np.savez(tmp_path / "ok.npz", input=np.zeros((2, 5, 3)), labels=np.array([{"x": 1}, 2], dtype=object))
    with pytest.raises(InputError, match="ok.npz: array 'labels' has dtype object"):
        ds.read(0, 2)  # a shard swapped after opening: refused by the archive reader


def test_class_names_come_from_the_file(tmp_path):
    np.savez(tmp_path / "c.npz", input=np.zeros((2, 5, 3)), labels=[0, 1], classes=np.array(["Space", "A"]))
    assert open_data(tmp_path / "c.npz", LAYOUT).classes == ["Space", "A"]

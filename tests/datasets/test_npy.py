import numpy as np
import pytest

from snncompile.datasets import DataOptions, Layout, open_data
from snncompile.errors import InputError

LAYOUT = Layout({"x": (2, 3)}, 1e-3)


def test_a_memory_mapped_file_is_read_a_batch_at_a_time(tmp_path):
    x = np.random.default_rng(1).random((7, 4, 2, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.arange(7) % 3)
    ds = open_data(tmp_path / "x.npy", LAYOUT, DataOptions(labels=str(tmp_path / "y.npy")))
    assert isinstance(ds._arrays["x"], np.memmap)
    batch = ds.read(2, 5)
    assert not isinstance(batch.arrays["x"], np.memmap)  # a copy of just these samples
    assert np.array_equal(batch.arrays["x"], x[2:5])
    assert batch.labels.tolist() == [2, 0, 1]


def test_a_directory_with_input_and_labels(tmp_path):
    np.save(tmp_path / "input.npy", np.zeros((3, 4, 2, 3), np.uint8))
    np.save(tmp_path / "labels.npy", np.array([1.0, 0.0, 2.0]))
    ds = open_data(tmp_path, LAYOUT)
    assert ds.format == "npy" and ds.labelled and ds.read(0, 3).labels.dtype == np.int64


def test_bad_labels_and_shapes_are_named(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 4, 2, 3)))
    np.save(tmp_path / "y.npy", np.array([0.5, 1, 2]))
    with pytest.raises(InputError, match="y.npy: labels must be integers"):
        open_data(tmp_path / "x.npy", LAYOUT, DataOptions(labels=str(tmp_path / "y.npy")))
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    with pytest.raises(InputError, match="y.npy: 2 labels for 3 samples"):
        open_data(tmp_path / "x.npy", LAYOUT, DataOptions(labels=str(tmp_path / "y.npy")))
    with pytest.raises(InputError, match=r"x.npy: input for node 'x' must be \(samples, time, 3, 2\)"):
        open_data(tmp_path / "x.npy", Layout({"x": (3, 2)}, 1e-3))

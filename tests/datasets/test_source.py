import numpy as np
import pytest

from snncompile.datasets import DataOptions, Layout, batch_ranges, detect_format, open_data
from snncompile.errors import InputError

LAYOUT = Layout({"x": (3,)}, 1e-3)


def _shards(folder, sizes, steps=5):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, n in enumerate(sizes):
        np.savez(folder / f"part{i}.npz", input=rng.integers(0, 2, (n, steps, 3)).astype(np.uint8),
                 labels=rng.integers(0, 2, n))
    return folder


def test_batches_cover_every_sample_once_and_never_cross_a_shard(tmp_path):
    ds = open_data(_shards(tmp_path / "d", [5, 3, 4]), LAYOUT)
    ranges = batch_ranges(ds, 2)
    assert ranges == [(0, 2), (2, 4), (4, 5), (5, 7), (7, 8), (8, 10), (10, 12)]
    assert batch_ranges(ds, 100) == [(0, 5), (5, 8), (8, 12)]


def test_limit_keeps_the_first_samples(tmp_path):
    ds = open_data(_shards(tmp_path / "d", [5, 3, 4]), LAYOUT, DataOptions(limit=6))
    assert len(ds) == 6
    assert batch_ranges(ds, 4) == [(0, 4), (4, 5), (5, 6)]
    with pytest.raises(IndexError):
        ds.read(5, 7)


def test_formats_are_detected_and_unknown_paths_named(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 4, 3)))
    np.savez(tmp_path / "x.npz", input=np.zeros((2, 4, 3)))
    assert detect_format(str(tmp_path / "x.npy")) == "npy"
    assert detect_format(str(tmp_path / "x.npz")) == "npz"
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(InputError, match="notes.txt: cannot tell the data format"):
        detect_format(str(tmp_path / "notes.txt"))
    with pytest.raises(InputError, match="missing: no such file"):
        open_data(tmp_path / "missing", LAYOUT)
    with pytest.raises(InputError, match="unknown data format 'csv'"):
        open_data(tmp_path / "x.npz", LAYOUT, DataOptions(format="csv"))


def test_bad_options_are_refused():
    with pytest.raises(InputError, match="binning"):
        DataOptions(binning="mean")
    with pytest.raises(InputError, match="steps=0: must be at least 1"):
        DataOptions(steps=0)


def test_choices_a_format_does_not_read_are_refused(tmp_path):
    np.savez(tmp_path / "x.npz", input=np.zeros((2, 4, 3)))
    with pytest.raises(InputError, match=r"x.npz: time_unit=, binning= do\(es\) not apply to npz data"):
        open_data(tmp_path / "x.npz", LAYOUT, DataOptions(time_unit=1e-6, binning="binary"))
    with pytest.raises(InputError, match="labels= do"):
        open_data(tmp_path / "x.npz", LAYOUT, DataOptions(labels="y.npy"))

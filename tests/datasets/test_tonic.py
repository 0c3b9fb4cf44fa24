"""tonic's DiskCachedDataset layout, written the way tonic's ``save_to_disk_cache``
writes it (one '<index>_<copy>.hdf5' per sample: 'data/0', 'target/0', lzf)."""

import h5py
import numpy as np
import pytest

from snncompile.datasets import DataOptions, Layout, open_data
from snncompile.errors import InputError

DVS = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)])
AUDIO = np.dtype([("t", np.int64), ("x", np.int64), ("p", np.int64)])  # tonic's SHD events


def save(folder, index, data, target, copy=0):
    folder.mkdir(exist_ok=True)
    with h5py.File(folder / f"{index}_{copy}.hdf5", "w") as f:
        f.create_dataset("data/0", data=data, compression="lzf")
        f.create_dataset("target/0", data=target)


def dvs_events(n, seed):
    rng = np.random.default_rng(seed)
    ev = np.zeros(n, DVS)
    ev["x"], ev["y"] = rng.integers(0, 5, n), rng.integers(0, 4, n)
    ev["t"], ev["p"] = np.sort(rng.integers(0, 10_000, n)), rng.integers(0, 2, n)
    return ev


def test_dvs_events_land_where_tonic_frames_put_them(tmp_path):
    events = [dvs_events(50, s) for s in range(3)]
    for i, ev in enumerate(events):
        save(tmp_path / "c", i, ev, i % 2)
        save(tmp_path / "c", i, ev[:1], 1, copy=1)  # another copy: copy 0 is read
    ds = open_data(tmp_path / "c", Layout({"in": (2, 4, 5)}, 1e-3))
    assert (ds.format, len(ds), ds.steps) == ("tonic", 3, max(int(ev["t"].max()) // 1000 for ev in events) + 1)
    batch = ds.read(0, 3)
    for i, ev in enumerate(events):
        expected = np.zeros((ds.steps, 2, 4, 5))
        np.add.at(expected, (ev["t"] // 1000, ev["p"].astype(int), ev["y"], ev["x"]), 1)  # (T, P, H, W)
        assert np.array_equal(batch.arrays["in"][i], expected)
    assert batch.labels.tolist() == [0, 1, 0]


def test_one_polarity_events_index_a_flat_input(tmp_path):
    ev = np.zeros(3, AUDIO)
    ev["t"], ev["x"], ev["p"] = [0, 1500, 1600], [7, 7, 699], 1
    save(tmp_path / "c", 0, ev, 4)
    ds = open_data(tmp_path / "c", Layout({"in": (700,)}, 1e-3), DataOptions(steps=2))
    x = ds.read(0, 1).arrays["in"][0]
    assert x[0, 7] == 1 and x[1, 7] == 1 and x[1, 699] == 1 and x.sum() == 3


def test_cached_frames_are_used_as_they_are(tmp_path):
    frames = np.arange(3 * 2 * 4 * 5).reshape(3, 2, 4, 5) % 3
    save(tmp_path / "c", 0, frames.astype(np.int16), 1)
    ds = open_data(tmp_path / "c", Layout({"in": (2, 4, 5)}, 1e-3), DataOptions(steps=5))
    x = ds.read(0, 1).arrays["in"][0]
    assert np.array_equal(x[:3], frames) and not x[3:].any()


def test_gaps_and_layouts_that_do_not_fit_are_named(tmp_path):
    save(tmp_path / "c", 0, dvs_events(5, 0), 0)
    save(tmp_path / "c", 2, dvs_events(5, 1), 0)
    with pytest.raises(InputError, match=r"tonic cache lacks sample\(s\) \[1\]"):
        open_data(tmp_path / "c", Layout({"in": (2, 4, 5)}, 1e-3))
    save(tmp_path / "c", 1, dvs_events(5, 2), 0)
    with pytest.raises(InputError, match=r"0_0.hdf5: events with fields .* cannot index the graph's input shape \(20,\)"):
        open_data(tmp_path / "c", Layout({"in": (20,)}, 1e-3))

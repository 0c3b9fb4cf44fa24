"""The SHD/SSC reader on small files written in the layout of the published files
(spikes/times in seconds, spikes/units, labels, extra/keys)."""

import h5py
import numpy as np
import pytest

from snncompile.datasets import DataOptions, Layout, batch_ranges, open_data
from snncompile.errors import InputError

UNITS = 700


def write_shd(path, recordings, labels, time_dtype=np.float16):
    with h5py.File(path, "w") as f:
        times = f.create_dataset("spikes/times", (len(recordings),), dtype=h5py.vlen_dtype(np.dtype(time_dtype)))
        units = f.create_dataset("spikes/units", (len(recordings),), dtype=h5py.vlen_dtype(np.dtype(np.uint16)))
        for i, (t, u) in enumerate(recordings):
            times[i] = np.asarray(t, time_dtype)
            units[i] = np.asarray(u, np.uint16)
        f.create_dataset("labels", data=np.asarray(labels, np.uint16))
        f.create_dataset("extra/keys", data=np.array([b"null", b"eins", b"zwei"]))
    return path


def recordings(n, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(0, 300))
        out.append((np.sort(rng.random(k) * 0.9), rng.integers(0, UNITS, k)))
    return out


def reference(t, u, steps, dt):
    """Spike counts per (step, unit), one spike at a time."""
    frame = np.zeros((steps, UNITS))
    for ti, ui in zip(np.asarray(t, np.float64), u):
        k = int(np.floor(ti / dt + 1e-9))
        if k < steps:
            frame[k, ui] += 1
    return frame


def test_shd_recordings_binned_to_the_graph_dt(tmp_path):
    recs = recordings(9)
    path = write_shd(tmp_path / "shd_test.h5", recs, np.arange(9) % 3)
    ds = open_data(path, Layout({"in": (UNITS,)}, 4e-3))
    assert ds.format == "shd" and ds.classes == ["null", "eins", "zwei"]
    last = max(float(np.max(np.asarray(t, np.float16).astype(np.float64))) for t, _ in recs if len(t))
    assert ds.steps == int(np.floor(last / 4e-3 + 1e-9)) + 1
    batches = [ds.read(a, b) for a, b in batch_ranges(ds, 4)]
    x = np.concatenate([b.arrays["in"] for b in batches])
    for i, (t, u) in enumerate(recs):
        assert np.array_equal(x[i], reference(np.asarray(t, np.float16), u, ds.steps, 4e-3))
    assert np.concatenate([b.labels for b in batches]).tolist() == (np.arange(9) % 3).tolist()
    assert sum(b.dropped for b in batches) == 0


def test_fewer_steps_drop_late_spikes_and_count_them(tmp_path):
    path = write_shd(tmp_path / "s.h5", [([0.0, 0.0105, 0.5], [1, 2, 3])], [0], time_dtype=np.float32)
    ds = open_data(path, Layout({"in": (1, UNITS)}, 1e-3), DataOptions(steps=100, binning="binary"))
    batch = ds.read(0, 1)
    assert batch.arrays["in"].shape == (1, 100, 1, UNITS)
    assert batch.arrays["in"][0, 0, 0, 1] == 1 and batch.arrays["in"][0, 10, 0, 2] == 1
    assert batch.dropped == 1


def test_units_beyond_the_graph_input_are_named(tmp_path):
    path = write_shd(tmp_path / "s.h5", [([0.1], [650])], [0])
    ds = open_data(path, Layout({"in": (600,)}, 1e-3))
    with pytest.raises(InputError, match=r"s.h5 recording 0: unit 650 outside the graph's 600 inputs"):
        ds.read(0, 1)


def test_missing_datasets_are_named(tmp_path):
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("labels", data=[0])
    with pytest.raises(InputError, match=r"x.h5: an SHD/SSC file needs datasets .* missing \['spikes/times'"):
        open_data(tmp_path / "x.h5", Layout({"in": (UNITS,)}, 1e-3), DataOptions(format="shd"))

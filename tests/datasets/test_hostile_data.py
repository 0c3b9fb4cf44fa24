"""Hostile data sets for ``evaluate`` and ``sweep`` (issue 13, docs/robustness.md): every
input-data generator of the fuzzing harness through ``snncompile evaluate`` ends in a
result or a one-line error naming the file; HDF5 data (SHD, tonic caches) is walked in a
child first, so a file that hangs HDF5 is stopped and named; what a data set declares is
checked against the allocation limit before a batch is allocated."""

import io
import shutil
import time
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from snncompile import hdf5check
from snncompile.datasets import DataOptions, Layout, batch_ranges, open_data
from snncompile.errors import InputError
from snncompile.testing.fuzz.registry import generators_for
from snncompile.testing.fuzz.seeds import make_seeds
from snncompile.testing.fuzz.worker import run_one

HANG = Path(__file__).resolve().parents[1] / "data" / "hostile" / "hdf5_hang.nir"
SHD = Layout({"in": (700,)}, 1e-3)
DVS = Layout({"in": (2, 4, 5)}, 1e-3)


def write_shd(path, recordings, labels):
    """An SHD-layout file (as tests/datasets/test_shd.py writes them), float64 times."""
    with h5py.File(path, "w") as f:
        times = f.create_dataset("spikes/times", (len(recordings),), dtype=h5py.vlen_dtype(np.dtype(np.float64)))
        units = f.create_dataset("spikes/units", (len(recordings),), dtype=h5py.vlen_dtype(np.dtype(np.uint16)))
        for i, (t, u) in enumerate(recordings):
            times[i], units[i] = np.asarray(t, np.float64), np.asarray(u, np.uint16)
        f.create_dataset("labels", data=np.asarray(labels, np.uint16))


def save(folder, index, events, target):
    """One tonic cache file, '<index>_0.hdf5' (as tests/datasets/test_tonic.py writes them)."""
    folder.mkdir(exist_ok=True)
    with h5py.File(folder / f"{index}_0.hdf5", "w") as f:
        f.create_dataset("data/0", data=events)
        f.create_dataset("target/0", data=target)


def dvs_events(n, seed):
    rng = np.random.default_rng(seed)
    events = np.zeros(n, np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)]))
    events["x"], events["y"] = rng.integers(0, 5, n), rng.integers(0, 4, n)
    events["t"], events["p"] = np.sort(rng.integers(0, 10_000, n)), rng.integers(0, 2, n)
    return events


def test_every_input_generator_through_evaluate_ends_in_a_result_or_a_named_error(tmp_path):
    seeds = make_seeds(tmp_path / "seeds")
    model, source = str(seeds.files["nir"]["dense"]), seeds.files["npz"]["dense"]
    outcomes = {"result": 0, "error": 0}
    for name, make in sorted(generators_for("npz").items()):
        for k in range(2):
            out = tmp_path / f"{name}{k}.npz"
            what = make(np.random.default_rng([13, k]), source, out)
            run = run_one(["evaluate", model, "--data", str(out), "--target", "none", "--no-progress"])
            lines = run["stderr"].strip().splitlines()
            assert run["escaped"] is None and "Traceback" not in run["stderr"], (name, what, run)
            if run["code"] == 0:
                outcomes["result"] += 1
                continue
            assert run["code"] == 2 and len(lines) == 1, (name, what, run["stderr"])
            assert lines[0].startswith("snncompile evaluate: error:") and out.name in lines[0], (name, what, lines)
            outcomes["error"] += 1
    assert outcomes["result"] >= 5 and outcomes["error"] >= 20, outcomes  # both endings exercised


def test_a_shard_whose_zip_version_nobody_implements_is_named(tmp_path):
    np.savez(tmp_path / "d.npz", input=np.zeros((2, 5, 3)))
    data = bytearray((tmp_path / "d.npz").read_bytes())
    at = data.rfind(b"PK\x01\x02")  # central directory entry: 'version needed' at offset 6
    data[at + 6:at + 8] = (80).to_bytes(2, "little")
    (tmp_path / "d.npz").write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"d.npz: not a readable .npz file \(NotImplementedError: zip file "
                                         r"version 8.0\)"):
        open_data(tmp_path / "d.npz", Layout({"in": (3,)}, 1e-3))


def test_a_shard_declaring_a_billion_samples_is_refused_before_allocating(tmp_path):
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (999_999_999, 5, 3)})
    member.write(np.zeros(30).tobytes())
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as archive:
        archive.writestr("input.npy", member.getvalue())
    ds = open_data(tmp_path / "d.npz", Layout({"in": (3,)}, 1e-3))  # headers only so far
    assert len(ds) == 999_999_999
    with pytest.raises(InputError, match=r"d.npz: array 'input' of shape \(999999999, 5, 3\) float64 needs "
                                         r"120.0 GB"):
        ds.read(0, 1)


def test_an_shd_file_that_hangs_hdf5_is_stopped_and_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SNNCOMPILE_READ_TIMEOUT", "2")
    shutil.copyfile(HANG, tmp_path / "shd_train.h5")
    start = time.monotonic()
    with pytest.raises(InputError, match=r"shd_train.h5: checking this HDF5 data file did not finish within 2 s"):
        open_data(tmp_path / "shd_train.h5", SHD, DataOptions(format="shd"))
    assert time.monotonic() - start < 15


def test_a_tonic_cache_with_one_hanging_file_names_that_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SNNCOMPILE_READ_TIMEOUT", "2")
    for i in range(3):
        save(tmp_path / "c", i, dvs_events(20, i), i % 2)
    shutil.copyfile(HANG, tmp_path / "c" / "1_0.hdf5")  # replaces sample 1
    with pytest.raises(InputError) as info:
        open_data(tmp_path / "c", DVS)
    message = str(info.value)
    assert message.startswith(str(tmp_path / "c" / "1_0.hdf5")), message
    assert "did not finish within 2 s" in message


def test_hdf5_data_files_are_checked_once_per_process_until_they_change(tmp_path, monkeypatch):
    for i in range(3):
        save(tmp_path / "c", i, dvs_events(20, i), i % 2)
    children = []
    real = hdf5check.call_isolated
    monkeypatch.setattr(hdf5check, "call_isolated", lambda *a, **k: children.append(1) or real(*a, **k))
    ds = open_data(tmp_path / "c", DVS)
    assert len(children) == 1  # the three files in one child
    ds.read(0, 3)
    assert len(children) == 1  # unchanged: not walked again
    save(tmp_path / "c", 2, dvs_events(25, 9), 0)
    ds.read(0, 3)
    assert len(children) == 2


def test_an_event_far_in_the_future_is_refused_with_the_size_not_allocated(tmp_path):
    write_shd(tmp_path / "late.h5", [([0.1, 1e300], [1, 2])], [0])
    with pytest.raises(InputError, match=r"late.h5: one sample for input 'in' \(\d+ steps\) of shape .* needs "
                                         r".*more than the"):
        open_data(tmp_path / "late.h5", SHD)


def test_a_batch_beyond_the_limit_is_refused_with_its_size(tmp_path, monkeypatch):
    write_shd(tmp_path / "s.h5", [([0.1], [1])] * 4, [0, 1, 2, 0])
    ds = open_data(tmp_path / "s.h5", SHD, DataOptions(steps=1000))
    monkeypatch.setenv("SNNCOMPILE_MAX_ARRAY_BYTES", str(3 * 1000 * 700 * 4))
    assert len(batch_ranges(ds, 3)) == 2
    with pytest.raises(InputError, match=r"s.h5: a batch of batch_size=4 for input 'in' of shape "
                                         r"\(4, 1000, 700\) needs"):
        batch_ranges(ds, 4)


def test_sound_hdf5_data_still_reads(tmp_path):
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("a", data=np.arange(3))
    hdf5check.check_hdf5_files([str(tmp_path / "x.h5")])

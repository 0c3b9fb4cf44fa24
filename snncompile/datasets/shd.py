"""The Heidelberg spiking data sets (SHD, SSC) as their HDF5 files hold them.

Layout (Cramer et al. 2020, the files ``shd_train.h5`` etc.): ``spikes/times`` (one
variable-length array of spike times in seconds per recording), ``spikes/units`` (the
matching input channel of each spike, 0..699), ``labels`` (one integer per recording)
and optionally ``extra/keys`` (class names). Each recording is binned to the graph's dt
(:mod:`snncompile.datasets.events`); unit ``u`` feeds flat index ``u`` of the graph's
per-step input shape (700 for SHD/SSC). Recordings are read a batch at a time.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from snncompile.datasets.events import bin_events, steps_for
from snncompile.datasets.source import (
    Batch,
    DataOptions,
    Dataset,
    Layout,
    check_labels,
    register_reader,
)
from snncompile.errors import InputError
from snncompile.hdf5check import check_hdf5_files

KEYS = ("spikes/times", "spikes/units", "labels")
#: recordings read at once while scanning for the longest one
SCAN_BLOCK = 256


def open_h5(path: str, what: str = "HDF5 data file"):
    """``path`` opened with h5py, once a child process has walked it (a corrupt HDF5 file
    can hang or crash the library: :mod:`snncompile.hdf5check`; once per file and process)."""
    import h5py

    check_hdf5_files([path], what)
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise InputError(f"{path}: not a readable HDF5 file ({exc})") from None


def decode(names: np.ndarray) -> list[str]:
    return [n.decode() if isinstance(n, bytes) else str(n) for n in np.asarray(names).reshape(-1)]


@register_reader
class ShdData(Dataset):
    format = "shd"
    description = "SHD/SSC HDF5 (spikes/times, spikes/units, labels), binned to the graph's dt"
    options = frozenset({"steps", "time_unit", "binning"})

    @classmethod
    def detect(cls, path: str) -> bool:
        if not (os.path.isfile(path) and path.endswith((".h5", ".hdf5"))):
            return False
        with open_h5(path) as f:
            return all(k in f for k in KEYS)

    @classmethod
    def scan(cls, path: str, layout: Layout, options: DataOptions) -> dict[str, Any]:
        _, shape = layout.single(path, "SHD/SSC")
        with open_h5(path) as f:
            missing = [k for k in KEYS if k not in f]
            if missing:
                raise InputError(f"{path}: an SHD/SSC file needs datasets {list(KEYS)}; missing {missing}")
            n = len(f["labels"])
            if len(f["spikes/times"]) != n or len(f["spikes/units"]) != n:
                raise InputError(f"{path}: {len(f['spikes/times'])} spike-time and {len(f['spikes/units'])} unit "
                                 f"arrays for {n} labels")
            check_labels(f["labels"][:], n, f"{path} (labels)")
            steps = options.steps or cls.longest(f, n, options, layout.dt)
            classes = decode(f["extra/keys"][:]) if "extra/keys" in f else None
        return {"samples": n, "steps": int(steps), "labelled": True, "shape": shape, "classes": classes}

    @staticmethod
    def longest(f: Any, n: int, options: DataOptions, dt: float) -> int:
        """Steps that hold the latest spike of any recording (read in blocks)."""
        last = 0.0
        for lo in range(0, n, SCAN_BLOCK):
            for times in f["spikes/times"][lo:lo + SCAN_BLOCK]:
                if len(times):
                    last = max(last, float(np.max(times)))
        return steps_for(last, options.time_unit or 1.0, dt)

    def total(self) -> int:
        return int(self.spec.facts["samples"])

    def load(self, start: int, stop: int) -> Batch:
        facts, opts = self.spec.facts, self.spec.options
        shape = tuple(facts["shape"])
        name = next(iter(self.spec.layout.inputs))
        out = np.zeros((stop - start, facts["steps"], *shape), dtype=np.float32)
        dropped = 0
        with open_h5(self.spec.path) as f:
            times, units = f["spikes/times"][start:stop], f["spikes/units"][start:stop]
            labels = check_labels(f["labels"][start:stop], stop - start, f"{self.spec.path} (labels)")
        for i, (t, u) in enumerate(zip(times, units)):
            where = f"{self.spec.path} recording {start + i}"
            if len(t) != len(u):
                raise InputError(f"{where}: {len(t)} spike times for {len(u)} units")
            u = np.asarray(u).astype(np.int64)
            if len(u) and (u.min() < 0 or u.max() >= int(np.prod(shape))):
                raise InputError(f"{where}: unit {int(u.max())} outside the graph's {int(np.prod(shape))} inputs")
            coords = np.unravel_index(u, shape) if len(u) else tuple(np.zeros(0, np.int64) for _ in shape)
            out[i], lost = bin_events(t, coords, shape, facts["steps"], opts.time_unit or 1.0, self.spec.layout.dt,
                                      opts.binning, where)
            dropped += lost
        return Batch(start, {name: out}, labels, dropped, self.spec.path)

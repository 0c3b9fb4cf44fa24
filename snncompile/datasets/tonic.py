"""Event recordings as tonic writes them: a ``DiskCachedDataset`` cache directory.

tonic (``tonic/cached_dataset.py``, ``save_to_disk_cache``) writes sample ``i`` to
``<cache>/<i>_<copy>.hdf5`` with the sample under ``data/0`` and its target under
``target/0``. A sample is either an event array (a structured array with fields ``t``,
``x`` and optionally ``y`` and ``p``, as tonic's datasets yield; times in microseconds
unless told otherwise), binned here to the graph's dt (:mod:`snncompile.datasets.events`),
or frames already binned by a transform (``ToFrame``: (time, *shape)), used as they are.

Events index the graph's per-step input shape the way tonic's ``ToFrame`` lays out its
frames: (p, y, x) for a (P, H, W) input, (p, x) for (P, X) without ``y``; when the
input has one axis fewer than the event has coordinates, polarity is ignored (tonic's
ToFrame does the same for a single-polarity sensor). Copy 0 of every sample is read
(the lowest copy present); samples must be numbered 0..n-1 without gaps.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from snncompile.datasets.events import bin_events, steps_for
from snncompile.datasets.shd import open_h5
from snncompile.datasets.source import Batch, DataOptions, Dataset, Layout, register_reader
from snncompile.errors import InputError
from snncompile.hdf5check import check_hdf5_files

_NAME = re.compile(r"^(\d+)_(\d+)\.hdf5$")
#: tonic's event times are microseconds
TONIC_TIME_UNIT = 1e-6


def cache_files(path: str) -> list[str]:
    """Copy 0 (the lowest present) of samples 0..n-1, in order."""
    best: dict[int, tuple[int, str]] = {}
    for name in os.listdir(path):
        m = _NAME.match(name)
        if m:
            index, copy = int(m.group(1)), int(m.group(2))
            if index not in best or copy < best[index][0]:
                best[index] = (copy, name)
    if not best:
        raise InputError(f"{path}: no tonic cache files ('<index>_<copy>.hdf5')")
    gaps = sorted(set(range(max(best) + 1)) - set(best))
    if gaps:
        raise InputError(f"{path}: tonic cache lacks sample(s) {gaps[:5]}{' ...' if len(gaps) > 5 else ''}")
    return [os.path.join(path, best[i][1]) for i in range(len(best))]


def event_axes(fields: tuple[str, ...], shape: tuple[int, ...], where: str) -> tuple[str, ...]:
    """The event fields that index the graph's input shape, in its axis order."""
    axes = tuple(f for f in ("p", "y", "x") if f in fields)
    if len(axes) == len(shape) + 1 and "p" in axes:
        axes = axes[1:]  # single polarity: tonic's ToFrame folds p into one channel
    if len(axes) != len(shape):
        raise InputError(f"{where}: events with fields {fields} cannot index the graph's input shape {shape} "
                         f"(tonic's frame layout is (p, y, x) or (p, x))")
    return axes


def read_sample(path: str) -> tuple[np.ndarray, int | None]:
    with open_h5(path) as f:
        if "data/0" not in f or not hasattr(f["data/0"], "dtype"):
            raise InputError(f"{path}: expected a tonic cache file with a dataset 'data/0'")
        data = f["data/0"][()]
        target = f["target/0"][()] if "target/0" in f else None
    if target is not None:
        target = np.asarray(target).reshape(-1)
        if target.size != 1 or target.dtype.kind not in "iub":
            raise InputError(f"{path}: target must be one integer class, found {target.dtype} {target.shape}")
        target = int(target[0])
    return np.asarray(data), target


def sample_kind(data: np.ndarray, where: str) -> str:
    if data.dtype.names is not None:
        if "t" not in data.dtype.names or "x" not in data.dtype.names:
            raise InputError(f"{where}: events need fields 't' and 'x'; found {data.dtype.names}")
        return "events"
    if data.dtype.kind in "biuf":
        return "frames"
    raise InputError(f"{where}: 'data/0' is neither an event array nor numeric frames (dtype {data.dtype})")


def frames_shape(shape: tuple[int, ...], want: tuple[int, ...], where: str) -> None:
    if shape[1:] == want or (len(shape) == len(want) + 2 and shape[1] == 1 and shape[2:] == want):
        return
    raise InputError(f"{where}: frames of shape {shape} do not match the graph's input (time, {want})")


@register_reader
class TonicData(Dataset):
    format = "tonic"
    description = "a tonic DiskCachedDataset directory (<i>_<copy>.hdf5: events x,y,t,p or frames)"
    options = frozenset({"steps", "time_unit", "binning"})

    @classmethod
    def detect(cls, path: str) -> bool:
        return os.path.isdir(path) and any(_NAME.match(n) for n in os.listdir(path))

    @classmethod
    def scan(cls, path: str, layout: Layout, options: DataOptions) -> dict[str, Any]:
        _, shape = layout.single(path, "tonic")
        files = cache_files(path)
        kinds, labelled, longest = set(), set(), 0
        unit = options.time_unit or TONIC_TIME_UNIT
        # with --steps only the first sample is checked here; load() checks each one it reads
        check_hdf5_files(files[:1] if options.steps else files, "tonic cache file")  # one child, not one each
        for file in files[:1] if options.steps else files:
            data, target = read_sample(file)
            kind = sample_kind(data, file)
            kinds.add(kind)
            labelled.add(target is not None)
            if kind == "events":
                event_axes(data.dtype.names, shape, file)
                if len(data) and not options.steps:
                    longest = max(longest, steps_for(float(np.max(data["t"])), unit, layout.dt))
            else:
                frames_shape(data.shape, shape, file)
                longest = max(longest, data.shape[0])
        if len(kinds) > 1 or len(labelled) > 1:
            raise InputError(f"{path}: samples mix events and frames, or labelled and unlabelled samples")
        return {"files": files, "kind": kinds.pop(), "steps": int(options.steps or max(longest, 1)),
                "labelled": labelled.pop(), "shape": shape}

    def total(self) -> int:
        return len(self.spec.facts["files"])

    def load(self, start: int, stop: int) -> Batch:
        facts, opts = self.spec.facts, self.spec.options
        shape, steps = tuple(facts["shape"]), int(facts["steps"])
        out = np.zeros((stop - start, steps, *shape), dtype=np.float32)
        labels, dropped = [], 0
        check_hdf5_files(facts["files"][start:stop], "tonic cache file")
        for i, file in enumerate(facts["files"][start:stop]):
            data, target = read_sample(file)
            if sample_kind(data, file) != facts["kind"] or (target is not None) != self.labelled:
                raise InputError(f"{file}: unlike sample 0 ({facts['kind']}, "
                                 f"{'labelled' if self.labelled else 'unlabelled'})")
            labels.append(target)
            if facts["kind"] == "frames":
                frames = data.reshape(data.shape[0], *shape)[:steps]
                out[i, : len(frames)] = np.minimum(frames, 1) if opts.binning == "binary" else frames
                dropped += int(np.count_nonzero(data.reshape(data.shape[0], -1)[steps:]))
                continue
            axes = event_axes(data.dtype.names, shape, file)
            binned, lost = bin_events(data["t"], tuple(data[a] for a in axes), shape, steps,
                                      opts.time_unit or TONIC_TIME_UNIT, self.spec.layout.dt, opts.binning, file)
            out[i] = binned
            dropped += lost
        name = next(iter(self.spec.layout.inputs))
        return Batch(start, {name: out}, np.asarray(labels, np.int64) if self.labelled else None, dropped,
                     self.spec.path)

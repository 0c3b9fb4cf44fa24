"""``.npz`` data: one file, or a directory of ``.npz`` shards read one shard at a time.

Each file holds ``input`` (samples, time, *features) for a single-input graph, or one
array per Input node name, and optionally ``labels`` (samples,). Shards are taken in
natural name order (``part2`` before ``part10``); they must agree on the time length and
on having labels. Opening reads only the array headers; a shard's arrays are loaded when
one of its batches is read, by :func:`snncompile.npz.read_npz` (declared sizes checked
before anything is allocated, never with pickles; docs/robustness.md).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from snncompile.datasets.source import (
    Batch,
    DataOptions,
    Dataset,
    DataSpec,
    Layout,
    check_labels,
    check_trailing_shape,
    register_reader,
)
from snncompile.errors import InputError, one_line
from snncompile.npz import MAX_MEMBERS, read_npz

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def natural_key(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def npz_headers(path: str) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Array name -> (shape, dtype) of an ``.npz``, from the headers only."""
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            if len(archive.infolist()) > MAX_MEMBERS:
                raise ValueError(f"{len(archive.infolist())} archive members, more than the {MAX_MEMBERS} allowed")
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as handle:
                    version = np.lib.format.read_magic(handle)
                    if version not in _HEADER_READERS:
                        raise ValueError(f"unsupported .npy format version {version}")
                    shape, _, dtype = _HEADER_READERS[version](handle)
                out[info.filename[:-4]] = (tuple(shape), np.dtype(dtype))
    except Exception as exc:  # noqa: BLE001  the zip and npy layers on untrusted bytes: any failure is the file's
        why = one_line(f"{type(exc).__name__}: {exc}")[:300]
        raise InputError(f"{path}: not a readable .npz file ({why})") from None
    return out


def class_names(path: str) -> list[str] | None:
    """The optional ``classes`` array (names as strings) of an ``.npz``."""
    if npz_headers(path).get("classes", ((), np.dtype(float)))[1].kind not in "US":
        return None
    return [str(c) for c in read_npz(path, "data file")["classes"].reshape(-1)]


def input_arrays(names: list[str], layout: Layout, where: str) -> dict[str, str]:
    """Input node -> the array that feeds it (``input`` for a single-input graph)."""
    nodes = list(layout.inputs)
    if len(nodes) == 1 and "input" in names:
        return {nodes[0]: "input"}
    if all(n in names for n in nodes):
        return {n: n for n in nodes}
    want = "'input'" if len(nodes) == 1 else f"one array per input node {nodes}"
    raise InputError(f"{where}: expected {want}; found arrays {sorted(names)}")


def check_arrays(headers: dict[str, tuple[tuple[int, ...], np.dtype]], layout: Layout,
                 where: str) -> tuple[dict[str, str], int, int, bool]:
    """(node -> array, samples, steps, labelled) of one file's headers."""
    feeds = input_arrays(list(headers), layout, where)
    sizes = set()
    for node, key in feeds.items():
        shape, dtype = headers[key]
        if any(d < 0 for d in shape):
            raise InputError(f"{where}: array '{key}' declares a negative dimension {shape}")
        check_trailing_shape(shape, layout.inputs[node], node, where)
        if dtype.kind not in "biuf":
            raise InputError(f"{where}: array '{key}' must hold numbers, found dtype {dtype}")
        sizes.add(shape[:2])
    if len(sizes) != 1:
        raise InputError(f"{where}: input arrays disagree on samples or time length: {sorted(sizes)}")
    samples, steps = sizes.pop()
    labelled = "labels" in headers
    if labelled and headers["labels"][1].kind not in "biuf":
        raise InputError(f"{where}: 'labels' must hold integers, found dtype {headers['labels'][1]}")
    if labelled and int(np.prod(headers["labels"][0])) != samples:
        raise InputError(f"{where}: 'labels' has {int(np.prod(headers['labels'][0]))} entries for {samples} samples")
    return feeds, int(samples), int(steps), labelled


@register_reader
class NpzData(Dataset):
    format = "npz"
    description = "an .npz with 'input' [and 'labels'], or a directory of such .npz shards"
    options = frozenset({"steps"})

    @classmethod
    def detect(cls, path: str) -> bool:
        if os.path.isdir(path):
            return any(p.suffix == ".npz" for p in Path(path).iterdir())
        return path.endswith(".npz")

    @staticmethod
    def files(path: str) -> list[str]:
        if not os.path.isdir(path):
            return [path]
        names = sorted((p.name for p in Path(path).iterdir() if p.suffix == ".npz"), key=natural_key)
        if not names:
            raise InputError(f"{path}: a directory of .npz shards holds no .npz file")
        return [os.path.join(path, n) for n in names]

    @classmethod
    def scan(cls, path: str, layout: Layout, options: DataOptions) -> dict[str, Any]:
        shards, steps, labelled = [], None, None
        for file in cls.files(path):
            feeds, samples, length, has_labels = check_arrays(npz_headers(file), layout, file)
            if steps is not None and length != steps:
                raise InputError(f"{file}: {length} time steps; earlier shards have {steps}")
            if labelled is not None and has_labels != labelled:
                raise InputError(f"{file}: {'has' if has_labels else 'lacks'} 'labels' unlike earlier shards")
            steps, labelled = length, has_labels
            shards.append((file, samples))
        return {"shards": shards, "feeds": feeds, "steps": steps, "labelled": bool(labelled),
                "classes": class_names(shards[0][0])}

    def __init__(self, spec: DataSpec) -> None:
        super().__init__(spec)
        self._starts = np.cumsum([0] + [n for _, n in spec.facts["shards"]])
        self._cached: tuple[int, dict[str, np.ndarray], np.ndarray | None] | None = None

    def total(self) -> int:
        return int(self._starts[-1])

    def spans(self) -> list[tuple[int, int]]:
        return [(int(a), int(b)) for a, b in zip(self._starts[:-1], self._starts[1:])]

    def _shard(self, index: int) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        if self._cached is None or self._cached[0] != index:
            self._cached = None  # drop the previous shard before loading the next
            file, samples = self.spec.facts["shards"][index]
            data = read_npz(file, "data file")  # checked before allocating, never unpickled
            missing = [key for key in [*self.spec.facts["feeds"].values(), *["labels"] * self.labelled]
                       if key not in data]
            if missing:
                raise InputError(f"{file}: arrays {missing} are gone since the data set was opened")
            arrays = {node: data[key] for node, key in self.spec.facts["feeds"].items()}
            labels = check_labels(data["labels"], samples, file) if self.labelled else None
            self._cached = (index, arrays, labels)
        return self._cached[1], self._cached[2]

    def load(self, start: int, stop: int) -> Batch:
        index = int(np.searchsorted(self._starts, start, side="right")) - 1
        lo = int(self._starts[index])
        if stop > self._starts[index + 1]:
            raise IndexError(f"samples {start}:{stop} cross shard {index}")
        arrays, labels = self._shard(index)
        return Batch(start, {n: a[start - lo:stop - lo] for n, a in arrays.items()},
                     None if labels is None else labels[start - lo:stop - lo],
                     source=self.spec.facts["shards"][index][0])

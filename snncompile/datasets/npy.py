"""Memory-mapped ``.npy`` data: a file (samples, time, *features), or a directory with
``input.npy`` (or one ``<input node>.npy`` per Input node) and optionally
``labels.npy``; ``DataOptions.labels`` names a labels ``.npy`` elsewhere.

Arrays are opened with ``mmap_mode='r'`` (never with pickles): reading a batch copies
just its samples, so a set far larger than memory streams through.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from snncompile.datasets.npz import input_arrays
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


def open_npy(path: str) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as exc:  # noqa: BLE001  numpy's header parser on untrusted bytes: any failure is the file's
        raise InputError(f"{path}: not a readable .npy file ({one_line(f'{type(exc).__name__}: {exc}')[:300]})") from None


@register_reader
class NpyData(Dataset):
    format = "npy"
    description = "a memory-mapped .npy (or a directory with input.npy [and labels.npy])"
    options = frozenset({"labels", "steps"})

    @classmethod
    def detect(cls, path: str) -> bool:
        if os.path.isdir(path):
            names = os.listdir(path)
            return any(n.endswith(".npy") for n in names) and not any(n.endswith(".npz") for n in names)
        return path.endswith(".npy")

    @staticmethod
    def arrays_in(path: str, layout: Layout) -> tuple[dict[str, str], str | None]:
        """Input node -> .npy file, and the labels file in the directory (or None)."""
        if not os.path.isdir(path):
            return {next(iter(layout.inputs)): path} if len(layout.inputs) == 1 else {}, None
        names = [n[:-4] for n in os.listdir(path) if n.endswith(".npy")]
        feeds = input_arrays(names, layout, path)
        labels = os.path.join(path, "labels.npy")
        return {node: os.path.join(path, f"{key}.npy") for node, key in feeds.items()}, (
            labels if os.path.exists(labels) else None)

    @classmethod
    def scan(cls, path: str, layout: Layout, options: DataOptions) -> dict[str, Any]:
        files, labels = cls.arrays_in(path, layout)
        if not files:
            raise InputError(f"{path}: a graph with inputs {list(layout.inputs)} needs a directory with one "
                             ".npy per input node")
        sizes = set()
        for node, file in files.items():
            array = open_npy(file)
            check_trailing_shape(array.shape, layout.inputs[node], node, file)
            if array.dtype.kind not in "biuf":
                raise InputError(f"{file}: expected numbers, found dtype {array.dtype}")
            sizes.add(array.shape[:2])
        if len(sizes) != 1:
            raise InputError(f"{path}: input arrays disagree on samples or time length: {sorted(sizes)}")
        samples, steps = sizes.pop()
        labels = options.labels or labels
        if labels is not None:
            check_labels(open_npy(labels), samples, labels)
        return {"files": files, "labels_file": labels, "samples": int(samples), "steps": int(steps),
                "labelled": labels is not None}

    def __init__(self, spec: DataSpec) -> None:
        super().__init__(spec)
        self._arrays = {n: open_npy(f) for n, f in spec.facts["files"].items()}
        file = spec.facts["labels_file"]
        self._labels = None if file is None else open_npy(file).reshape(-1)

    def total(self) -> int:
        return int(self.spec.facts["samples"])

    def load(self, start: int, stop: int) -> Batch:
        labels = None
        if self._labels is not None:
            labels = check_labels(self._labels[start:stop], stop - start, self.spec.facts["labels_file"])
        return Batch(start, {n: np.array(a[start:stop]) for n, a in self._arrays.items()}, labels,
                     source=self.spec.facts["labels_file"] or self.spec.path)

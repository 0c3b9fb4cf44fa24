"""Data sets read in pieces: the interface every reader implements.

A :class:`Dataset` is ``len(ds)`` samples, numbered from 0, read ``read(start, stop)``
at a time as a :class:`Batch` of arrays per Input node, each (batch, time, *shape), plus
labels when the set has them. Nothing holds the whole set in memory: a reader loads at
most one of its :meth:`~Dataset.spans` (a shard, a file) at a time, and
:func:`batch_ranges` never lets a batch cross a span.

Readers register in :data:`READERS` by format name. :func:`open_data` detects the format
(or takes ``DataOptions.format``), checks the set against the graph's inputs once and
returns the dataset; its :class:`DataSpec` (path, format, options and what opening found,
such as shard sizes) is small and picklable, so a worker reopens the same set with
:func:`reopen` without rescanning it.
"""

from __future__ import annotations

import math
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from snncompile.errors import InputError
from snncompile.ir import Graph, Input
from snncompile.limits import check_shape

BINNINGS = ("count", "binary")


@dataclass(frozen=True)
class DataOptions:
    """How to read a data set (None: the format's default).

    - ``format``: a name in :data:`READERS` (default: detected from the path);
    - ``labels``: a ``.npy`` of labels (for array formats that do not hold them);
    - ``steps``: event data is binned into this many steps of the graph's ``dt``
      (default: enough for the longest recording); array data is not resized;
    - ``time_unit``: seconds per unit of an event time (default: the format's: seconds
      for SHD/SSC, microseconds for tonic);
    - ``binning``: ``count`` (events per step, as tonic's ToFrame sums them; the
      default) or ``binary`` (1 where any event fell);
    - ``limit``: only the first ``limit`` samples.
    """

    format: str | None = None
    labels: str | None = None
    steps: int | None = None
    time_unit: float | None = None
    binning: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.binning is not None and self.binning not in BINNINGS:
            raise InputError(f"binning must be one of {BINNINGS}, found '{self.binning}'")
        for name in ("steps", "limit"):
            value = getattr(self, name)
            if value is not None and int(value) < 1:
                raise InputError(f"{name}={value}: must be at least 1", options=(name,))
        if self.time_unit is not None and not self.time_unit > 0:
            raise InputError(f"time unit must be > 0 seconds, found {self.time_unit}")


@dataclass(frozen=True)
class Layout:
    """What the graph takes: per-step shape of every Input node, and its dt."""

    inputs: Mapping[str, tuple[int, ...]]
    dt: float

    @classmethod
    def of(cls, graph: Graph) -> Layout:
        shapes = {}
        for name in graph.inputs:
            node = graph.nodes[name]
            assert isinstance(node, Input)
            shapes[name] = tuple(int(s) for s in node.shape)
        return cls(shapes, float(graph.dt))

    def single(self, path: str, fmt: str) -> tuple[str, tuple[int, ...]]:
        """The one input an event format feeds (refuses graphs with several)."""
        if len(self.inputs) != 1:
            raise InputError(f"{path}: {fmt} data feeds one input; the graph has inputs {list(self.inputs)}")
        return next(iter(self.inputs.items()))


@dataclass(frozen=True)
class DataSpec:
    """Everything needed to reopen a data set (picklable; see :func:`reopen`)."""

    path: str
    format: str
    layout: Layout
    options: DataOptions
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    """Samples ``start .. start + size - 1``: arrays per Input node, labels or None."""

    start: int
    arrays: dict[str, np.ndarray]
    labels: np.ndarray | None
    dropped: int = 0  # events that fell after the last step (event formats)
    source: str = ""  # the file the samples came from (for error messages)

    @property
    def size(self) -> int:
        return int(next(iter(self.arrays.values())).shape[0])


class Dataset(ABC):
    """A data set read in pieces (see module docstring)."""

    format: ClassVar[str]
    #: one line for ``--help``
    description: ClassVar[str] = ""
    #: the DataOptions this format reads (beside format and limit); others are refused
    options: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, spec: DataSpec):
        self.spec = spec

    @classmethod
    @abstractmethod
    def detect(cls, path: str) -> bool:
        """Whether ``path`` looks like this format (cheap: names and headers only)."""

    @classmethod
    @abstractmethod
    def scan(cls, path: str, layout: Layout, options: DataOptions) -> dict[str, Any]:
        """Check the set against ``layout`` and return the facts reading needs (sizes,
        steps); every problem is an InputError naming the file."""

    @abstractmethod
    def total(self) -> int:
        """Samples in the set before ``options.limit``."""

    @abstractmethod
    def load(self, start: int, stop: int) -> Batch:
        """Samples ``start:stop`` (inside one span)."""

    def spans(self) -> list[tuple[int, int]]:
        """Ranges that are cheap to read together (a shard each); default the whole set."""
        return [(0, self.total())]

    @property
    def labelled(self) -> bool:
        return bool(self.spec.facts.get("labelled", False))

    @property
    def classes(self) -> list[str] | None:
        """Class names, when the set names them."""
        return self.spec.facts.get("classes")

    @property
    def steps(self) -> int:
        """Time steps of every sample."""
        return int(self.spec.facts["steps"])

    def __len__(self) -> int:
        limit = self.spec.options.limit
        return self.total() if limit is None else min(self.total(), int(limit))

    def read(self, start: int, stop: int) -> Batch:
        if not 0 <= start < stop <= len(self):
            raise IndexError(f"samples {start}:{stop} outside 0:{len(self)}")
        return self.load(start, stop)

    def describe(self) -> str:
        return f"{self.spec.path} ({self.format}, {len(self)} samples x {self.steps} steps)"


#: format name -> reader class
READERS: dict[str, type[Dataset]] = {}


def register_reader(cls: type[Dataset]) -> type[Dataset]:
    READERS[cls.format] = cls
    return cls


def detect_format(path: str) -> str:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    found = [name for name, cls in READERS.items() if cls.detect(path)]
    if len(found) != 1:
        what = "none" if not found else ", ".join(found)
        raise InputError(f"{path}: cannot tell the data format (matches: {what}); pass format="
                         f"{'|'.join(READERS)}", options=("format",))
    return found[0]


def open_data(path: str | os.PathLike, graph: Graph | Layout, options: DataOptions | None = None) -> Dataset:
    """Open the data set at ``path`` for ``graph`` (see module docstring)."""
    options = options or DataOptions()
    path = str(path)
    layout = graph if isinstance(graph, Layout) else Layout.of(graph)
    fmt = options.format or detect_format(path)
    if fmt not in READERS:
        raise InputError(f"unknown data format '{fmt}'; known formats: {', '.join(READERS)}")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    refuse_unused(READERS[fmt], options, path)
    facts = READERS[fmt].scan(path, layout, options)
    dataset = reopen(DataSpec(path, fmt, layout, options, facts))
    if len(dataset) == 0:
        raise InputError(f"{path}: the data set has no samples")
    if dataset.steps < 1:
        raise InputError(f"{path}: samples of {dataset.steps} time steps (at least 1 is needed)")
    for node, shape in layout.inputs.items():  # what a reader allocates per sample (float32 frames)
        check_shape((dataset.steps, *shape), 4, f"{path}: one sample for input '{node}' ({dataset.steps} steps)")
    return dataset


#: the options some formats do not read (refused, never ignored, for those)
FORMAT_OPTIONS = ("labels", "steps", "time_unit", "binning")


def refuse_unused(reader: type[Dataset], options: DataOptions, path: str) -> None:
    """A choice the format does not read is an error, never ignored."""
    given = [name for name in FORMAT_OPTIONS if getattr(options, name) is not None and name not in reader.options]
    if given:
        names = ", ".join(f"{n}=" for n in given)
        raise InputError(f"{path}: {names} do(es) not apply to {reader.format} data ({reader.description})",
                         options=given)


def reopen(spec: DataSpec) -> Dataset:
    """The dataset a spec describes (no rescan)."""
    return READERS[spec.format](spec)


def batch_ranges(dataset: Dataset, batch_size: int) -> list[tuple[int, int]]:
    """(start, stop) of every batch: at most ``batch_size`` samples, never crossing a
    span, in order. The same set and batch size always give the same batches, so a
    batch computes the same numbers in whichever process runs it."""
    if batch_size < 1:
        raise InputError(f"batch_size={batch_size}: must be at least 1", options=("batch_size",))
    n = len(dataset)
    for node, shape in dataset.spec.layout.inputs.items():
        check_shape((min(batch_size, n), dataset.steps, *shape), 4,
                    f"{dataset.spec.path}: a batch of batch_size={batch_size} for input '{node}'")
    out = []
    for lo, hi in dataset.spans():
        hi = min(hi, n)
        if lo >= hi:
            continue
        pieces = math.ceil((hi - lo) / batch_size)
        out += [(lo + i * batch_size, min(hi, lo + (i + 1) * batch_size)) for i in range(pieces)]
    return out


def check_labels(labels: np.ndarray, count: int, where: str) -> np.ndarray:
    """Labels as int64 (count,); non-integer values are refused."""
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != count:
        raise InputError(f"{where}: {labels.shape[0]} labels for {count} samples")
    if labels.dtype.kind not in "iub":
        if labels.dtype.kind != "f" or not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise InputError(f"{where}: labels must be integers, found dtype {labels.dtype}")
    return labels.astype(np.int64)


def check_trailing_shape(shape: tuple[int, ...], want: tuple[int, ...], name: str, where: str) -> None:
    if len(shape) != len(want) + 2 or tuple(shape[2:]) != tuple(want):
        raise InputError(f"{where}: input for node '{name}' must be (samples, time, {', '.join(map(str, want))}); "
                         f"found shape {tuple(shape)}")

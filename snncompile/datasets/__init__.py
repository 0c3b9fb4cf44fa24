"""Data sets for evaluation, read in batches (never all in memory): ``.npz`` files or
directories of ``.npz`` shards, memory-mapped ``.npy``, the SHD/SSC HDF5 layout and
tonic's cached event arrays, the event formats binned to the graph's dt.
See :mod:`snncompile.datasets.source` for the interface."""

from __future__ import annotations

from snncompile.datasets import npy, npz, shd, tonic  # noqa: F401  (register the readers)
from snncompile.datasets.source import (
    BINNINGS,
    READERS,
    Batch,
    DataOptions,
    Dataset,
    DataSpec,
    Layout,
    batch_ranges,
    detect_format,
    open_data,
    register_reader,
    reopen,
)

__all__ = ["BINNINGS", "READERS", "Batch", "DataOptions", "DataSpec", "Dataset", "Layout", "batch_ranges",
           "detect_format", "open_data", "register_reader", "reopen"]

"""Writing simulation records as a plain ``.npz``: spikes as spikes, streamed, uncompressed.

``write_npz(path, arrays, spikes=names)`` writes one ``NAME.npy`` member per array into a
zip file (NumPy's ``.npz`` layout), so ``numpy.load(path)`` reads it back with no help
from snncompile, and snncompile's input readers take it as input:

- arrays named in ``spikes`` are 0/1 spike trains and are stored as ``bool`` (one byte a
  spike instead of 4 or 8; ``numpy.load`` gives a bool array, ``a.sum()`` counts spikes);
- the file is not compressed by default (``compress=True`` deflates it: smaller, several
  times slower to write);
- every array is written in blocks of at most :data:`BLOCK_BYTES`, converted block by
  block: writing never holds a second copy of a large record in memory.

The file appears atomically (:func:`snncompile.fileio.atomic_path`).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Collection, Mapping
from typing import IO

import numpy as np

from snncompile.fileio import atomic_path

#: largest block converted and written at once
BLOCK_BYTES = 16 << 20


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], spikes: Collection[str] = (),
              compress: bool = False) -> None:
    """Write ``arrays`` to ``path`` (see module docstring); names in ``spikes`` as bool."""
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_path(path, suffix=".npz") as tmp, zipfile.ZipFile(tmp, "w", mode, allowZip64=True) as archive:
        for name, array in arrays.items():
            array = np.asarray(array)
            dtype = np.dtype(bool) if name in spikes else array.dtype
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                _write_npy(member, array, dtype)


def _write_npy(handle: IO[bytes], array: np.ndarray, dtype: np.dtype) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": array.shape}
    np.lib.format.write_array_header_2_0(handle, header)
    _write_blocks(handle, array, dtype)


def _write_blocks(handle: IO[bytes], array: np.ndarray, dtype: np.dtype) -> None:
    """C-order bytes of ``array`` as ``dtype``, a block of leading rows at a time (a row
    larger than a block is split along its own leading axis)."""
    row_bytes = array[0].size * max(array.itemsize, dtype.itemsize) if array.ndim and len(array) else 0
    if array.ndim == 0 or row_bytes <= BLOCK_BYTES:
        rows = max(1, BLOCK_BYTES // max(row_bytes, 1)) if array.ndim else 1
        for start in range(0, max(len(array), 1) if array.ndim else 1, rows):
            block = array[start:start + rows] if array.ndim else array
            block = (block != 0) if dtype.kind == "b" and block.dtype.kind != "b" else block.astype(dtype, copy=False)
            handle.write(np.ascontiguousarray(block).data)  # type: ignore[arg-type]
        return
    for row in array:
        _write_blocks(handle, row, dtype)

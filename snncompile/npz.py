"""``.npz`` archives: written as plain NumPy files (spikes as spikes, streamed,
reproducibly), read from untrusted files safely.

Writing.

``write_npz(path, arrays, spikes=names)`` writes one ``NAME.npy`` member per array into a
zip file (NumPy's ``.npz`` layout), so ``numpy.load(path)`` reads it back with no help
from snncompile, and snncompile's input readers take it as input:

- arrays named in ``spikes`` are 0/1 spike trains and are stored as ``bool`` (one byte a
  spike instead of 4 or 8; ``numpy.load`` gives a bool array, ``a.sum()`` counts spikes);
- the file is not compressed by default (``compress=True`` deflates it: smaller, several
  times slower to write);
- every array is written in blocks of at most :data:`BLOCK_BYTES`, converted block by
  block: writing never holds a second copy of a large record in memory.

The file appears atomically (:func:`snncompile.fileio.atomic_path`), and every member
carries the same fixed timestamp (zip's earliest, 1980-01-01), so the same arrays give the
same bytes (artifacts are reproducible, docs/robustness.md).

Reading. :func:`read_npz` checks an archive before anything is allocated: it is a zip
archive (a plain ``.npy`` under an ``.npz`` name is named as one), every member is
``NAME.npy`` with a readable npy header, a plain dtype (numbers, booleans, strings, dates;
never objects, so nothing is unpickled), and a declared size within
:data:`snncompile.limits.MAX_ARRAY_BYTES` that the member really holds. Only then are the
bytes read, and every failure of the zip or npy layer (bad CRC, corrupt deflate stream,
unsupported zip version, truncation) is an :class:`~snncompile.errors.InputError` naming
the file and the member.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Collection, Mapping
from typing import IO

import numpy as np

from snncompile.errors import InputError, one_line
from snncompile.fileio import atomic_path
from snncompile.limits import check_bytes

#: largest block converted and written at once
BLOCK_BYTES = 16 << 20
#: zip's earliest timestamp: what every member of a written archive carries
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
#: npy dtype kinds an archive may hold (bool, ints, floats, complex, strings, dates)
PLAIN_KINDS = frozenset("biufcUSmM")
#: at most this many members (snncompile's own files hold tens to thousands)
MAX_MEMBERS = 100_000


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], spikes: Collection[str] = (),
              compress: bool = False) -> None:
    """Write ``arrays`` to ``path`` (see module docstring); names in ``spikes`` as bool."""
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_path(path, suffix=".npz") as tmp, zipfile.ZipFile(tmp, "w", mode, allowZip64=True) as archive:
        for name, array in arrays.items():
            array = np.asarray(array)
            dtype = np.dtype(bool) if name in spikes else array.dtype
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_TIME)
            info.compress_type = mode
            with archive.open(info, "w", force_zip64=True) as member:
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


# -- reading -------------------------------------------------------------------------------
def read_npz(path: str | os.PathLike, what: str = ".npz archive") -> dict[str, np.ndarray]:
    """Every array of the archive at ``path`` (see module docstring); ``what`` names what
    the file should be ("snncompile artifact"), for messages."""
    source = str(path)
    if not os.path.exists(path):
        raise InputError(f"{source}: no such file")
    if not os.path.isfile(path):
        raise InputError(f"{source}: not a file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(6)
            if head.startswith(b"\x93NUMPY"):
                raise InputError(f"{source}: a plain .npy array, not a {what} (an .npz archive; "
                                 "numpy.savez writes one)")
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                return _members(archive, source)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001  the zip and npy layers on untrusted bytes: any failure is the file's
        raise InputError(f"{source}: not a readable {what} ({_why(exc)})") from None


def _why(exc: BaseException) -> str:
    return one_line(f"{type(exc).__name__}: {exc}")[:300]


def _members(archive: zipfile.ZipFile, source: str) -> dict[str, np.ndarray]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"{source}: {len(infos)} archive members, more than the {MAX_MEMBERS} allowed")
    check_bytes(sum(i.file_size for i in infos), f"{source}: the archive (all its arrays)")
    arrays: dict[str, np.ndarray] = {}
    for info in infos:
        if info.is_dir():
            continue
        if not info.filename.endswith(".npy"):
            raise InputError(f"{source}: archive member '{info.filename}' is not an .npy array")
        key = info.filename[: -len(".npy")]
        if key in arrays:
            raise InputError(f"{source}: array '{key}' appears twice in the archive")
        try:
            with archive.open(info) as member:
                arrays[key] = _read_array(member, info.file_size, f"{source}: array '{key}'")
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001  see read_npz
            raise InputError(f"{source}: array '{key}' is unreadable ({_why(exc)})") from None
    return arrays


def _read_array(member: IO[bytes], size: int, what: str) -> np.ndarray:
    """One npy member: header, checks, then exactly the declared bytes."""
    version = np.lib.format.read_magic(member)
    if version not in ((1, 0), (2, 0)):
        raise InputError(f"{what} has npy format version {version[0]}.{version[1]} (1.0 and 2.0 are read)")
    header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = header(member)
    if dtype.hasobject or dtype.kind not in PLAIN_KINDS or dtype.itemsize == 0:
        raise InputError(f"{what} has dtype {dtype}, which an archive may not hold (numbers, booleans and "
                         "strings only; objects would need unpickling)")
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    check_bytes(nbytes, f"{what} of shape {shape} {dtype}")
    if nbytes > size:
        raise InputError(f"{what} declares shape {shape} {dtype} ({nbytes} bytes) but its archive member "
                         f"holds only {size} bytes")
    data = member.read(nbytes)
    if len(data) != nbytes:
        raise InputError(f"{what} is truncated: {len(data)} of {nbytes} bytes")
    array = np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
    return array.copy()  # writable, owning its memory

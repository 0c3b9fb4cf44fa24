"""``.npz`` archives read from untrusted files and written reproducibly.

:func:`read_npz` checks an archive before anything is allocated: it is a zip archive
(a plain ``.npy`` under an ``.npz`` name is named as one), every member is ``NAME.npy``
with a readable npy header, a plain dtype (numbers, booleans, strings, dates; never
objects, so nothing is unpickled), and a declared size within
:data:`snncompile.limits.MAX_ARRAY_BYTES` that the member really holds. Only then are the
bytes read, and every failure of the zip or npy layer (bad CRC, corrupt deflate stream,
unsupported zip version, truncation) is an :class:`~snncompile.errors.InputError` naming
the file and the member.

:func:`write_npz` writes an archive atomically and reproducibly: members in the order
given, each with the same fixed timestamp, so the same arrays give the same bytes.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Mapping
from typing import IO

import numpy as np

from snncompile.errors import InputError, one_line
from snncompile.fileio import atomic_path
from snncompile.limits import check_bytes

#: npy dtype kinds an archive may hold (bool, ints, floats, complex, strings, dates)
PLAIN_KINDS = frozenset("biufcUSmM")
#: at most this many members (the seed files hold tens)
MAX_MEMBERS = 100_000
#: zip's earliest timestamp: what every member of a written archive carries
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


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


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], compress: bool = True) -> None:
    """Write ``arrays`` to ``path`` atomically; the same arrays give the same bytes."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_path(path, suffix=".npz") as tmp, zipfile.ZipFile(tmp, "w", method) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=FIXED_TIME)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, npy_bytes(array))

"""Check an untrusted HDF5 file (``.nir``, ``.net``) in a child process before reading it.

A corrupt HDF5 file can make the HDF5 C library loop forever (a byte-flipped global
heap under a variable-length string dataset does), crash, or allocate what a dataset
declares; none of that can be interrupted from Python in the same process. So
:func:`check_hdf5` forks a child that walks the whole file the way the readers will —
every group, link, dataset and attribute, each dataset and attribute read — and the
reader only opens the file once the child has finished and found nothing wrong. The
child refuses, before reading anything:

- a dataset or attribute whose declared size is beyond
  :data:`snncompile.limits.MAX_ARRAY_BYTES` (with the number);
- a group reachable twice (a hard link back to an ancestor makes a cycle; NIR and netx
  files are trees), groups nested deeper than :data:`MAX_DEPTH`, more than
  :data:`MAX_OBJECTS` objects;
- links to other files (never followed) and soft links to nothing.

The child (:func:`snncompile.isolate.call_isolated`) is stopped after
:data:`snncompile.limits.READ_TIMEOUT` seconds; a hang, a crash (a signal) and every
problem found is an InputError naming the file. Cost: one ``fork`` and a second read of
the file (measured in docs/robustness.md).
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any

from snncompile.errors import InputError, one_line
from snncompile.isolate import ChildFailed, call_isolated
from snncompile.limits import MAX_ARRAY_BYTES, READ_TIMEOUT, human_bytes

#: groups may nest this deep (NIR subgraphs nest a few levels)
MAX_DEPTH = 32
#: at most this many groups, datasets and attributes
MAX_OBJECTS = 200_000


def check_hdf5(path: str, what: str = "HDF5 file") -> None:
    """Walk ``path`` in a child process under the read time limit; raise an InputError
    naming ``path`` for a hang, a crash or any problem the walk finds."""
    _check_in_child([path], what, MAX_ARRAY_BYTES.value())


def check_hdf5_files(paths: Sequence[str], what: str = "HDF5 file") -> None:
    """:func:`check_hdf5` for the files of a data set (read batch after batch, one file
    per sample for tonic): files found sound in this process and unchanged since are
    skipped, the others walked in children, :data:`FILES_PER_CHILD` at a time, each child
    under the read time limit (a child that hangs or crashes: its files again one by one,
    so the error names the file)."""
    limit = MAX_ARRAY_BYTES.value()
    todo = [p for p in dict.fromkeys(paths) if _stamp(p, limit) not in _CHECKED]
    for lo in range(0, len(todo), FILES_PER_CHILD):
        block = todo[lo:lo + FILES_PER_CHILD]
        try:
            _check_in_child(block, what, limit)
        except _Stopped:  # one of several files hung or crashed HDF5: find it, one child each
            for path in block:
                _check_in_child([path], what, limit)
            raise InputError(f"{block[0]} (or one of the {len(block) - 1} files after it): checking these "
                             f"{what}s hung or crashed once, then passed one by one") from None
        _CHECKED.update(_stamp(p, limit) for p in block)


#: a child walks at most this many files (each child has the whole read time limit)
FILES_PER_CHILD = 256
#: (path, size, mtime, limit) of every file checked and found sound in this process
_CHECKED: set[tuple[str, int, int, float]] = set()


class _Stopped(Exception):
    """A child walking several files was stopped or crashed."""


def _stamp(path: str, limit: float) -> tuple[str, int, int, float]:
    try:
        info = os.stat(path)
    except OSError:
        return (os.path.abspath(path), -1, -1, limit)  # never cached: the walk names the problem
    return (os.path.abspath(path), info.st_size, info.st_mtime_ns, limit)


def _check_in_child(paths: list[str], what: str, limit: float) -> None:
    timeout = READ_TIMEOUT.value()

    def work() -> tuple[dict[str, Any], dict[str, Any]]:
        for path in paths:
            problem = walk(path, limit, what)
            if problem:
                return {"path": path, "problem": problem}, {}
        return {"path": None, "problem": None}, {}

    try:
        result, _ = call_isolated(work, timeout, f"checking this {what}")
    except ChildFailed as exc:
        if len(paths) > 1:
            raise _Stopped() from None
        where = paths[0]
        if exc.reason == "timeout":
            raise InputError(f"{where}: checking this {what} did not finish within {timeout:g} s and was stopped "
                             f"(a corrupt HDF5 file can make the HDF5 library loop; {READ_TIMEOUT.variable} sets "
                             "the limit)") from None
        raise InputError(f"{where}: the HDF5 library crashed reading this {what} ({exc.detail}); the file is "
                         "corrupt") from None
    if result["problem"]:
        raise InputError(f"{result['path']}: {result['problem']}")


# -- the walk (in the child) ---------------------------------------------------------------
def walk(path: str, limit: float, what: str = "HDF5 file") -> str | None:
    """The first problem with the file at ``path`` (``what`` it should be, for messages),
    or None (see module docstring)."""
    import h5py

    try:
        handle = h5py.File(path, "r")
    except Exception as exc:  # noqa: BLE001  any failure to open untrusted bytes is the file's
        return f"not a readable {what} ({_why(exc)})"
    try:
        with handle:
            return _Walk(limit).group(handle, "/", 0)
    except Exception as exc:  # noqa: BLE001  any failure while walking is the file's
        return f"not a readable {what} ({_why(exc)})"


def _why(exc: BaseException) -> str:
    return one_line(f"{type(exc).__name__}: {exc}")[:300]


class _Walk:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.seen: dict[int, str] = {}
        self.count = 0

    def group(self, group: Any, where: str, depth: int) -> str | None:
        import h5py

        if depth > MAX_DEPTH:
            return f"groups nested deeper than {MAX_DEPTH} levels at '{where}'"
        addr = h5py.h5o.get_info(group.id).addr
        if addr in self.seen:
            return (f"group '{where}' is the group '{self.seen[addr]}' again (a hard link; a cycle when it points "
                    "to an ancestor): NIR and netx files are trees")
        self.seen[addr] = where
        problem = self.attributes(group, where)
        for name in group:
            here = f"{where.rstrip('/')}/{name}"
            self.count += 1
            if self.count > MAX_OBJECTS:
                return f"more than {MAX_OBJECTS} objects"
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                return f"'{here}' links to another file ('{link.filename}'), which snncompile never follows"
            item = group.get(name)
            if item is None:
                if isinstance(link, h5py.SoftLink):
                    return f"'{here}' is a soft link to '{link.path}', which does not exist"
                return f"'{here}' cannot be opened (a broken link)"
            if isinstance(item, h5py.Group):
                problem = problem or self.group(item, here, depth + 1)
            elif isinstance(item, h5py.Dataset):
                problem = problem or self.dataset(item, here)
            else:
                problem = problem or f"'{here}' is a {type(item).__name__}, neither a group nor a dataset"
            if problem:
                return problem
        return problem

    def dataset(self, dataset: Any, where: str) -> str | None:
        problem = self.size(dataset.shape, dataset.dtype.itemsize, f"dataset '{where}'")
        if problem:
            return problem
        dataset[()]  # reading is what can hang or crash: here, in the child
        return self.attributes(dataset, where)

    def attributes(self, obj: Any, where: str) -> str | None:
        for name in obj.attrs:
            self.count += 1
            space = obj.attrs.get_id(name)
            problem = self.size(space.shape, space.dtype.itemsize, f"attribute '{name}' of '{where}'")
            if problem:
                return problem
            obj.attrs[name]
        return None

    def size(self, shape: tuple[int, ...] | None, itemsize: int, what: str) -> str | None:
        nbytes = math.prod(shape or ()) * int(itemsize)
        if nbytes > self.limit:
            return (f"{what} declares shape {tuple(shape or ())} ({human_bytes(nbytes)}), more than the "
                    f"{human_bytes(self.limit)} snncompile reads at once (set {MAX_ARRAY_BYTES.variable} to raise it)")
        return None


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m snncompile.hdf5check FILE
    print(json.dumps({"problem": walk(sys.argv[1], MAX_ARRAY_BYTES.value())}))

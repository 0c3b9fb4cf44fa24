"""The limits that keep hostile inputs from exhausting memory or time (docs/robustness.md).

Each limit has a default and an environment variable that overrides it:

===========================  ==========  =================================================
variable                     default     what it bounds
===========================  ==========  =================================================
SNNCOMPILE_MAX_ARRAY_BYTES   4 GB        one allocation whose size a file or an option
                                         declares: an array read from an ``.npz``,
                                         ``.snnir``, ``.snnc``, ``.nir`` or ``.net`` file,
                                         a parameter broadcast to its layer's shape, the
                                         arrays a run records (checked before allocating)
SNNCOMPILE_READ_TIMEOUT      60 s        checking an HDF5 file (``.nir``, ``.net``) in a
                                         child process before it is read (a corrupt file
                                         can hang or crash the HDF5 library)
SNNCOMPILE_FACTORY_TIMEOUT   300 s       importing a ``file.py:factory`` model, calling the
                                         factory and tracing the module
SNNCOMPILE_LAVA_TIMEOUT      600 s       one Lava run (in a child process, stopped after
                                         this long)
===========================  ==========  =================================================

A variable that is set but is not a positive number is an error naming it (never ignored).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from snncompile.errors import InputError


@dataclass(frozen=True)
class Limit:
    """A bound with its default and the variable that overrides it."""

    variable: str
    default: float
    unit: str  # "bytes" or "s"
    doc: str

    def value(self) -> float:
        text = os.environ.get(self.variable)
        if text is None or text == "":
            return self.default
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{self.variable}={text!r}: expected a positive number of {self.unit}")
        return value


MAX_ARRAY_BYTES = Limit("SNNCOMPILE_MAX_ARRAY_BYTES", 4e9, "bytes",
                        "the largest allocation a file or an option may ask for")
READ_TIMEOUT = Limit("SNNCOMPILE_READ_TIMEOUT", 60.0, "s", "checking an HDF5 file in a child process")
FACTORY_TIMEOUT = Limit("SNNCOMPILE_FACTORY_TIMEOUT", 300.0, "s", "importing, calling and tracing a factory")
LAVA_TIMEOUT = Limit("SNNCOMPILE_LAVA_TIMEOUT", 600.0, "s", "one Lava run")

#: every limit, for the docs and their test
LIMITS = (MAX_ARRAY_BYTES, READ_TIMEOUT, FACTORY_TIMEOUT, LAVA_TIMEOUT)


def human_bytes(n: float) -> str:
    """``7.2 GB``-style (decimal units, as the numbers users compare with)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n) < 1000 or unit == "EB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} EB"  # pragma: no cover


def check_bytes(nbytes: int, what: str) -> None:
    """Refuse an allocation of ``nbytes`` above :data:`MAX_ARRAY_BYTES`, naming ``what``
    (file and array) and both numbers."""
    limit = MAX_ARRAY_BYTES.value()
    if nbytes > limit:
        raise InputError(f"{what} needs {human_bytes(nbytes)} ({nbytes} bytes), more than the "
                         f"{human_bytes(limit)} snncompile allocates at once (set {MAX_ARRAY_BYTES.variable} "
                         "to raise the limit)")


def check_shape(shape: tuple[int, ...], itemsize: int, what: str) -> None:
    """:func:`check_bytes` for an array of ``shape`` (negative dimensions refused too)."""
    if any(int(d) < 0 for d in shape):
        raise InputError(f"{what}: shape {tuple(shape)} has a negative dimension")
    check_bytes(math.prod(int(d) for d in shape) * int(itemsize), f"{what} of shape {tuple(shape)}")


class Expired(BaseException):
    """Raised inside a :func:`time_limit` block when its time is up (a BaseException, so
    that user code's ``except Exception`` cannot swallow it); the block turns it into an
    InputError."""


@contextlib.contextmanager
def time_limit(limit: Limit, what: str) -> Iterator[None]:
    """Stop the block after ``limit`` seconds with an InputError saying ``what`` ran too
    long. Uses SIGALRM, so it bounds Python code (a loop, a sleep), not a C call that
    never returns (those run in child processes: :mod:`snncompile.hdf5check`, the Lava
    backend); outside the main thread, or where there is no SIGALRM, the block runs
    unbounded. A limit already running outside keeps applying when it is shorter."""
    seconds = limit.value()
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:
        yield  # the enclosing limit fires first
        return

    def fire(signum: int, frame: object) -> None:
        raise Expired()

    previous = signal.signal(signal.SIGALRM, fire)
    started = _now()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except Expired:
        raise InputError(f"{what} did not finish within {seconds:g} s and was stopped ({limit.variable} sets the "
                         "limit)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:  # restore the enclosing limit, less the time spent here
            signal.setitimer(signal.ITIMER_REAL, max(1e-3, outer_left - (_now() - started)))


def _now() -> float:
    import time

    return time.monotonic()


def check_layer_sizes(graph: Any, source: str) -> None:
    """Refuse a graph one of whose nodes outputs more per step and sample than the
    allocation limit allows in float64 (a layer declared (10**9,) with scalar parameters
    is a small file, but nothing can run or compile it)."""
    for name, shape in graph.infer_shapes().items():
        check_bytes(math.prod(shape) * 8, f"{source}: node '{name}' ({graph.nodes[name].kind}) of shape {tuple(shape)}, "
                                          "one step of one sample in float64,")

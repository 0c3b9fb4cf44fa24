"""Events -> spike trains on the graph's time grid.

An event at time ``t`` (in units of ``time_unit`` seconds) falls into step
``k = floor(t * time_unit / dt)``: step ``k`` covers ``[k dt, (k + 1) dt)``, counted
from the recording's time 0 (not from its first event). Integer times are divided
exactly (``time_unit`` and ``dt`` as the decimals they are written as, so 7000 µs at
dt = 1 ms is step 7, where floats give 6.999...). Float times are binned as the numbers
they store (a float32 0.01 s is 0.0099999998 s: step 9 at 1 ms, as tonic's
``int(t * 1e6)`` also has it), with a 1e-9-step guard against the rounding of the
division itself. ``count`` binning adds up the events of a step at a position (what tonic's
``ToFrame`` does), ``binary`` keeps 1 where any fell. Events at or after ``steps * dt``
are dropped and counted.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from snncompile.errors import InputError

#: fraction of a step added before flooring float times (float rounding guard)
FLOAT_GUARD = 1e-9


def _exact(value: float) -> Fraction:
    """The decimal a float is written as (1e-3 -> 1/1000), not its binary value."""
    return Fraction(repr(float(value)))


def event_steps(times: np.ndarray, time_unit: float, dt: float) -> np.ndarray:
    """Step index of every event (int64)."""
    times = np.asarray(times)
    if times.dtype.kind in "iu":
        ratio = _exact(time_unit) / _exact(dt)  # steps per time unit
        return (times.astype(np.int64) * ratio.numerator) // ratio.denominator
    return np.floor(times.astype(np.float64) * (time_unit / dt) + FLOAT_GUARD).astype(np.int64)


def steps_for(last_time: float, time_unit: float, dt: float) -> int:
    """Steps that hold an event at ``last_time`` (a Python int however late the event:
    :func:`snncompile.datasets.source.open_data` refuses what does not fit in memory)."""
    if not math.isfinite(last_time):
        return 1
    if abs(last_time * time_unit / dt) > 2.0**53:  # beyond int64 steps: no int64 cast (it would wrap)
        return int(last_time * time_unit / dt) + 1
    return int(event_steps(np.asarray([last_time]), time_unit, dt)[0]) + 1


def bin_events(times: np.ndarray, coords: tuple[np.ndarray, ...], shape: tuple[int, ...], steps: int,
               time_unit: float, dt: float, binning: str | None, where: str) -> tuple[np.ndarray, int]:
    """(steps, *shape) float32 spike counts of one recording, and how many events fell
    after the last step. ``coords`` index ``shape`` (one array per axis)."""
    frame = np.zeros((steps, *shape), dtype=np.float32)
    if len(times) == 0:
        return frame, 0
    if np.any(np.asarray(times) < 0):
        raise InputError(f"{where}: negative event times")
    k = event_steps(times, time_unit, dt)
    for axis, (c, size) in enumerate(zip(coords, shape)):
        c = np.asarray(c)
        if c.dtype.kind not in "iu" and np.any(c != np.round(c)):
            raise InputError(f"{where}: event coordinates on axis {axis} are not integers")
        if np.any(c < 0) or np.any(c >= size):
            raise InputError(f"{where}: event coordinate {int(np.max(c))} on axis {axis} outside the graph's "
                             f"input shape {shape}")
    keep = k < steps
    index = (k[keep], *(np.asarray(c)[keep].astype(np.int64) for c in coords))
    np.add.at(frame, index, 1.0)
    if binning == "binary":  # None: count
        np.minimum(frame, 1.0, out=frame)
    return frame, int((~keep).sum())

"""How the benchmarks time things on a machine shared with other jobs.

The machine has 2 cores that other sessions also use (load averages of 3-6 are common),
so a wall time alone mixes our work with waiting for a core. Every figure is therefore
taken as the best of ``repeats`` runs (the run least disturbed) and reported with its
CPU time (process time: summed over threads; for a child process, its rusage) and the
load average around it. Ratios against a baseline use numbers from the same run.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Timing:
    wall: float
    cpu: float
    result: Any = None


def best_of(repeats: int, fn: Callable[[], Any]) -> Timing:
    """The run with the shortest wall time among ``repeats``."""
    best = None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        t = Timing(time.perf_counter() - start, time.process_time() - cpu, result)
        if best is None or t.wall < best.wall:
            best = t
    assert best is not None
    return best


def run_command(argv: list[str], repeats: int = 1, env: dict | None = None) -> Timing:
    """Best of ``repeats`` runs of a command: wall time and the child's CPU time."""
    best = None
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        t = Timing(wall, cpu, proc)
        if best is None or t.wall < best.wall:
            best = t
    assert best is not None
    return best


@contextlib.contextmanager
def cores(n: int) -> Iterator[list[int]]:
    """Run the block on the first ``n`` cores this process may use (what the emulator
    calls "the cores it is given"); the previous set is restored after."""
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, allowed[:n])
    try:
        yield allowed[:n]
    finally:
        os.sched_setaffinity(0, allowed)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def print_report(report: dict) -> None:
    for section, rows in report.items():
        print(section)
        for key, value in rows.items():
            text = f"{value:,.3f}" if isinstance(value, float) else str(value)
            print(f"  {key:48s} {text}")

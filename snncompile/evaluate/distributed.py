"""Evaluating on Ray: batches grouped into tasks, retried when a worker dies, merged once.

The driver puts the :class:`~snncompile.evaluate.batches.EvalJob` into Ray's object store
once and submits one task per chunk of consecutive batches
(:func:`~snncompile.evaluate.batches.evaluate_ranges`, which reopens the data set from
its spec: workers read the files themselves, so a cluster needs the data at the same
path on every node). A task whose worker dies is run again by Ray (``max_retries``); a
task returns its counts only when it finishes, so a killed task contributes nothing and
its rerun everything. The driver merges each chunk's counts exactly once, keyed by
chunk, and checks at the end that every sample was counted exactly once.

With no address, a local Ray is started for the run (``workers`` CPUs, a small object
store, on the loopback address) and shut down after it; a Ray already initialised in this process is used as it
is. Ray is optional (``pip install 'snncompile[distributed]'``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from snncompile.errors import SnnCompileError, UnsupportedError, one_line
from snncompile.evaluate.batches import EvalJob, Range, evaluate_ranges
from snncompile.evaluate.counts import EvalCounts
from snncompile.simulate.progress import sample_bar

#: object store of a local Ray started for a run (counts are small; data is read by workers)
OBJECT_STORE_BYTES = 128 * 2**20
#: times Ray reruns a task whose worker died
DEFAULT_RETRIES = 3
EXTRA = "pip install 'snncompile[distributed]'"


class WorkerError(SnnCompileError):
    """A chunk could not be evaluated after every retry (its workers kept dying)."""


#: Ray reads this when imported: "0" makes a node take the loopback address (on Linux too)
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def import_ray(flag: str = "--workers", local: bool = False) -> Any:
    """Ray, or a one-line error naming the extra. ``local``: a cluster for this run only,
    so it listens on the loopback address rather than the machine's network address
    (effective when Ray was not imported yet)."""
    if local and "ray" not in sys.modules:
        os.environ.setdefault(LOOPBACK_ENV, "0")
    try:
        import ray
    except ImportError:
        raise UnsupportedError(f"{flag} needs Ray, which is not installed: {EXTRA}") from None
    return ray


@contextlib.contextmanager
def ray_session(workers: int, address: str | None = None) -> Iterator[Any]:
    """Ray, connected: to ``address``, to the Ray this process already runs, or to a
    local one started now with ``workers`` CPUs (shut down afterwards)."""
    ray = import_ray("--ray" if address else "--workers", local=address is None)
    if ray.is_initialized():  # this process runs Ray already (the Python API, tests): use it
        yield ray
        return
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": "ERROR"}
    if address is None:  # resources are the cluster's own when connecting to one
        options.update(num_cpus=workers, object_store_memory=OBJECT_STORE_BYTES, include_dashboard=False)
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise WorkerError(f"cannot start or reach Ray{f' at {address}' if address else ''}: {one_line(str(exc))}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def run_on_ray(ray: Any, job: EvalJob, chunks: Sequence[Sequence[Range]], total: int, progress: bool,
               retries: int = DEFAULT_RETRIES) -> Iterator[tuple[int, EvalCounts]]:
    """(chunk index, its counts) as chunks finish, in any order."""
    task = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=False)(evaluate_ranges)
    job_ref = ray.put(job)
    pending = {task.remote(job_ref, list(chunk)): i for i, chunk in enumerate(chunks)}
    try:
        with sample_bar(total, progress) as bar:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    index = pending.pop(ref)
                    part = _get(ray, ref, chunks[index], retries)
                    bar.update(part.samples)
                    yield index, part
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)


def _get(ray: Any, ref: Any, chunk: Sequence[Range], retries: int) -> EvalCounts:
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, SnnCompileError):
            raise cause from None  # a user error in the data, not a failure to retry
        raise
    except ray.exceptions.RayError as exc:
        first, last = chunk[0][0], chunk[-1][1] - 1
        raise WorkerError(f"samples {first}..{last}: the worker evaluating them failed {retries + 1} times "
                          f"({type(exc).__name__}: {one_line(str(exc))[:200]})") from None

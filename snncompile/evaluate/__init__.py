"""Evaluate a network over a whole data set, in one process or sharded over Ray, with
results merged exactly from counts (:mod:`snncompile.evaluate.run`)."""

from __future__ import annotations

from snncompile.evaluate.batches import EvalJob, evaluate_batch, evaluate_ranges
from snncompile.evaluate.counts import Accumulator, EvalCounts
from snncompile.evaluate.distributed import WorkerError, ray_session
from snncompile.evaluate.run import Evaluation, evaluate

__all__ = ["Accumulator", "EvalCounts", "EvalJob", "Evaluation", "WorkerError", "evaluate", "evaluate_batch",
           "evaluate_ranges", "ray_session"]

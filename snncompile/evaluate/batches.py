"""Evaluating batches: what one process (the driver or a Ray worker) computes.

An :class:`EvalJob` is everything needed to evaluate batches of a data set: the graph
the backend runs, the data set's spec (reopened where the batch runs), the backend's
name and the batch size. Each batch runs once through ``get_backend(name).run``,
recording what the counts need (:func:`~snncompile.estimate.counts.counted_nodes`: Lava
cannot record synapse nodes, and need not), and is reduced to :class:`~snncompile.evaluate.counts.EvalCounts`:
the predicted class of each sample (as the job's readout decides it,
:mod:`snncompile.simulate.readout`: by default the argmax of its output summed over
time), the confusion counts (samples the readout leaves undecided counted apart) and the
activity counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from snncompile.datasets import Dataset, DataSpec, reopen
from snncompile.errors import InputError
from snncompile.estimate.activity import activity_from_result
from snncompile.estimate.counts import count_activity, counted_nodes, counted_synapses
from snncompile.evaluate.counts import Accumulator, EvalCounts
from snncompile.ir import Graph
from snncompile.simulate import DEFAULT_READOUT, get_backend, get_readout
from snncompile.simulate.progress import sample_bar

Range = tuple[int, int]


@dataclass(frozen=True)
class EvalJob:
    """What evaluating batches needs (small and picklable, sent once to each worker)."""

    graph: Graph
    data: DataSpec
    backend: str
    steps: int | None = None  # run this many steps (default: the data's)
    readout: str = DEFAULT_READOUT  # the decision rule (a name of READOUTS that decides a class)


def classes(graph: Graph) -> int:
    """Classes the graph's single output tells apart (its flattened size)."""
    if len(graph.outputs) != 1:
        raise InputError(f"evaluating needs a graph with one Output node; it has {list(graph.outputs)}")
    return int(math.prod(graph.nodes[graph.outputs[0]].shape))  # type: ignore[attr-defined]


def evaluate_batch(job: EvalJob, dataset: Dataset, start: int, stop: int) -> EvalCounts:
    batch = dataset.read(start, stop)
    record, membranes = counted_nodes(job.graph)
    # first_sample: a seeded source draws for each sample's index in the data set, so
    # the counts are the same whatever the batch size
    result = get_backend(job.backend).run(job.graph, batch.arrays, steps=job.steps, record=record,
                                          membranes=membranes, first_sample=start)
    predicted = get_readout(job.readout, classifying=True).classes(result.output())
    confusion = undecided = None
    if batch.labels is not None:
        n = classes(job.graph)
        bad = np.flatnonzero((batch.labels < 0) | (batch.labels >= n))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"{batch.source or job.data.path}: label {int(batch.labels[i])} of sample {start + i} is not one of "
                             f"the network's {n} output classes")
        confusion = np.zeros((n, n), np.int64)
        decided = predicted >= 0
        np.add.at(confusion, (batch.labels[decided], predicted[decided]), 1)
        undecided = np.bincount(batch.labels[~decided], minlength=n).astype(np.int64)
    activity = activity_from_result(job.graph, batch.arrays, result, synapses=counted_synapses(job.graph))
    counts = count_activity(job.graph, activity)
    return EvalCounts(np.arange(start, stop, dtype=np.int64), predicted, confusion, counts, batch.dropped, undecided)


def evaluate_ranges(job: EvalJob, ranges: Sequence[Range], dataset: Dataset | None = None) -> EvalCounts:
    """The merged counts of the batches ``ranges`` (what one worker task computes)."""
    dataset = dataset or reopen(job.data)
    parts = Accumulator()
    for start, stop in ranges:
        parts.add((start, stop), evaluate_batch(job, dataset, start, stop))
    assert parts.total is not None
    return parts.total


def chunked(ranges: Sequence[Range], per_chunk: int) -> list[list[Range]]:
    """Consecutive batches grouped ``per_chunk`` at a time (a worker task each)."""
    return [list(ranges[i:i + per_chunk]) for i in range(0, len(ranges), max(per_chunk, 1))]


def run_locally(job: EvalJob, dataset: Dataset, ranges: Sequence[Range], progress: bool) -> Iterator[EvalCounts]:
    """Each batch's counts in this process, in order."""
    with sample_bar(len(dataset), progress) as bar:
        for start, stop in ranges:
            yield evaluate_batch(job, dataset, start, stop)
            bar.update(stop - start)

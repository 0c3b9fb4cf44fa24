"""What evaluating part of a data set yields, as counts that add exactly.

- ``confusion[label, predicted]``: samples (int64), when the set has labels;
- ``undecided[label]``: samples (int64) the readout decided no class for (a first-spike
  readout's silent samples, :data:`~snncompile.simulate.readout.SILENT`), when the set
  has labels: wrong against every label, outside the confusion matrix;
- ``indices`` / ``predicted``: every sample's index and predicted class (-1: undecided;
  so a merge can prove each sample was counted once);
- ``activity``: :class:`~snncompile.estimate.counts.ActivityCounts` for the metrics;
- ``dropped``: events that fell after the last step (event formats).

:meth:`EvalCounts.merge` adds two parts; the counts of a whole set are the merge of any
split of it, so accuracies, confusion and metrics computed once from the merged counts
are the numbers a single run over the whole set gives (no averages of averages).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snncompile.estimate.counts import ActivityCounts


@dataclass(frozen=True)
class EvalCounts:
    indices: np.ndarray  # (samples,) int64
    predicted: np.ndarray  # (samples,) int64
    confusion: np.ndarray | None  # (classes, classes) int64: [label, predicted]
    activity: ActivityCounts
    dropped: int = 0
    undecided: np.ndarray | None = None  # (classes,) int64 per label; None: no labels (or none undecided)

    @property
    def samples(self) -> int:
        return int(self.indices.shape[0])

    def merge(self, other: EvalCounts) -> EvalCounts:
        if (self.confusion is None) != (other.confusion is None):
            raise ValueError("cannot merge labelled and unlabelled evaluation counts")
        confusion = None if self.confusion is None else self.confusion + other.confusion  # type: ignore[operator]
        undecided = (self.undecided if other.undecided is None else other.undecided if self.undecided is None
                     else self.undecided + other.undecided)
        return EvalCounts(np.concatenate([self.indices, other.indices]),
                          np.concatenate([self.predicted, other.predicted]),
                          confusion, self.activity.merge(other.activity), self.dropped + other.dropped, undecided)


class Accumulator:
    """Merges parts as they arrive, in any order (integer sums and ANDs do not depend on
    it), refusing a part whose key was merged already; :meth:`finish` checks that the
    parts held samples 0..samples-1, each exactly once (a lost or twice-counted part is
    a bug, never a result)."""

    def __init__(self) -> None:
        self.total: EvalCounts | None = None
        self.keys: set[object] = set()

    def add(self, key: object, part: EvalCounts) -> None:
        if key in self.keys:
            raise RuntimeError(f"evaluation part {key!r} arrived twice")
        self.keys.add(key)
        self.total = part if self.total is None else self.total.merge(part)

    def finish(self, samples: int) -> EvalCounts:
        if self.total is None:
            raise RuntimeError("nothing was evaluated")
        total = self.total
        order = np.argsort(total.indices, kind="stable")
        indices = total.indices[order]
        if indices.shape[0] != samples or not np.array_equal(indices, np.arange(samples)):
            seen = np.bincount(indices, minlength=samples)
            raise RuntimeError(f"evaluation lost {int((seen == 0).sum())} and double-counted "
                               f"{int((seen > 1).sum())} of {samples} samples")
        return EvalCounts(indices, total.predicted[order], total.confusion, total.activity, total.dropped,
                          total.undecided)

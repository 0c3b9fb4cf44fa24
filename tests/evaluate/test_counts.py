import dataclasses

import numpy as np
import pytest

from snncompile.estimate.counts import ActivityCounts
from snncompile.evaluate.counts import Accumulator, EvalCounts


def part(indices, labels=None):
    indices = np.asarray(indices, np.int64)
    confusion = None
    if labels is not None:
        confusion = np.zeros((2, 2), np.int64)
        np.add.at(confusion, (np.asarray(labels), np.zeros(len(indices), int)), 1)
    return EvalCounts(indices, np.zeros(len(indices), np.int64), confusion,
                      ActivityCounts(4, len(indices), 1e-3, "reference", {}, {}), dropped=1)


def test_parts_merge_in_any_order_into_the_whole_in_index_order():
    acc = Accumulator()
    acc.add(1, part([3, 4], [1, 1]))
    acc.add(0, part([0, 1, 2], [0, 1, 0]))
    whole = acc.finish(5)
    assert whole.indices.tolist() == [0, 1, 2, 3, 4]
    assert whole.confusion.tolist() == [[2, 0], [3, 0]] and whole.activity.batch == 5 and whole.dropped == 2


def test_a_part_twice_or_a_lost_sample_is_an_error_not_a_result():
    acc = Accumulator()
    acc.add("a", part([0, 1]))
    with pytest.raises(RuntimeError, match="part 'a' arrived twice"):
        acc.add("a", part([0, 1]))
    with pytest.raises(RuntimeError, match="lost 1 and double-counted 0 of 3 samples"):
        acc.finish(3)
    acc.add("b", part([1, 2]))
    with pytest.raises(RuntimeError, match="lost 0 and double-counted 1 of 3 samples"):
        acc.finish(3)


def test_undecided_samples_add_up_beside_the_confusion():
    def undecided(indices, per_label):
        return dataclasses.replace(part(indices, [0] * len(indices)), undecided=np.asarray(per_label, np.int64))

    acc = Accumulator()
    acc.add(0, undecided([0, 1], [1, 0]))
    acc.add(1, part([2], [1]))  # a part that decided every sample
    acc.add(2, undecided([3], [0, 1]))
    assert acc.finish(4).undecided.tolist() == [1, 1]

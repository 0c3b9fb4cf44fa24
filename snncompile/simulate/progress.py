"""Progress bars for long runs (tqdm on stderr; silent when not asked or not a TTY)."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tqdm import tqdm


def steps_with_progress(steps: int, enabled: bool, label: str) -> Iterable[int]:
    if not enabled:
        return range(steps)
    return tqdm(range(steps), desc=label, unit="step", file=sys.stderr, leave=False, disable=None)


def sample_bar(total: int, enabled: bool, label: str = "evaluate") -> tqdm:
    """A bar over the samples of a data set (update it with the samples done)."""
    return tqdm(total=total, desc=label, unit="sample", file=sys.stderr, leave=False,
                disable=None if enabled else True)

"""Progress bars for long runs (tqdm on stderr; silent when not asked or not a TTY)."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tqdm import tqdm


def steps_with_progress(steps: int, enabled: bool, label: str) -> Iterable[int]:
    if not enabled:
        return range(steps)
    return tqdm(range(steps), desc=label, unit="step", file=sys.stderr, leave=False, disable=None)

"""Rendering results for people: plain aligned tables (no colour codes in pipes)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Make numpy scalars/arrays, tuples and paths JSON-serialisable."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    np = sys.modules.get("numpy")  # not imported: then no value is a numpy one (start-up time)
    if np is None:
        return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def dumps(result: Any) -> str:
    return json.dumps(to_jsonable(result), indent=2)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(map(str, value)) + ")" if value else "()"
    return "" if value is None else str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, title: str = "") -> str:
    """Rows of dicts as an aligned text table (columns default to the first row's keys)."""
    if not rows:
        return f"{title}\n(none)" if title else "(none)"
    columns = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [title] if title else []
    out += [line(columns), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)

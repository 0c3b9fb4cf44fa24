"""Which cells of a sweep are worth deploying.

- Pareto front: the evaluated cells with a known energy that no other such cell beats
  on both accuracy (higher) and energy per inference (lower), one of them strictly;
- best per target: among a target's evaluated cells, the highest accuracy; ties go to
  the lower energy per inference (unknown last), then the lower latency, then fewer
  weight bits.

Rows are the sweep's table rows (dicts with ``status``, ``target``, ``accuracy``,
``energy_j``, ``latency_s``, ``weight_bits``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Row = dict[str, Any]


def evaluated(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r["status"] == "ok" and r.get("accuracy") is not None]


def dominates(a: Row, b: Row) -> bool:
    return (a["accuracy"] >= b["accuracy"] and a["energy_j"] <= b["energy_j"]
            and (a["accuracy"] > b["accuracy"] or a["energy_j"] < b["energy_j"]))


def pareto_front(rows: Sequence[Row]) -> list[str]:
    """Cell ids on the accuracy / energy front."""
    known = [r for r in evaluated(rows) if r.get("energy_j") is not None]
    return [r["cell"] for r in known if not any(dominates(o, r) for o in known if o is not r)]


def _rank(row: Row) -> tuple:
    unknown = math.inf
    return (-row["accuracy"], row["energy_j"] if row.get("energy_j") is not None else unknown,
            row["latency_s"] if row.get("latency_s") is not None else unknown, row["weight_bits"])


def best_per_target(rows: Sequence[Row]) -> dict[str, str]:
    """Target -> the id of its best cell."""
    out: dict[str, str] = {}
    for target in dict.fromkeys(r["target"] for r in rows):
        cells = [r for r in evaluated(rows) if r["target"] == target]
        if cells:
            out[target] = min(cells, key=_rank)["cell"]
    return out


def mark(rows: Sequence[Row]) -> list[Row]:
    """Rows with ``pareto`` and ``best`` set."""
    front, best = set(pareto_front(rows)), set(best_per_target(rows).values())
    return [{**r, "pareto": r["cell"] in front, "best": r["cell"] in best} for r in rows]

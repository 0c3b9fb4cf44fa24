"""Check an artifact's stored partition section before it is believed (issue 13: an
artifact is verified whole when loaded; docs/robustness.md).

The section (:class:`~snncompile.partition_report.PartitionReport` as ``to_dict`` writes
it) is a description of the stored fixed graph, so every field must have the type it is
written with, every name must be a node of that graph, placements and crossing
directions come from the placement vocabulary, and counts are non-negative finite
numbers. Each problem is listed; the first few are named in one error.
"""

from __future__ import annotations

import math
from typing import Any

from snncompile.errors import InputError
from snncompile.ir import Graph
from snncompile.ir.placement import Placement
from snncompile.partition_report import PartitionReport

PLACES = frozenset(p.value for p in Placement)
DIRECTIONS = frozenset(f"{a}->{b}" for a in PLACES for b in PLACES if a != b)
CARRIES = frozenset({"spikes", "payloads", "values"})
#: problems named in the error (the rest are counted)
SHOWN = 4


def check_partition(data: dict[str, Any], fixed: Graph, source: str) -> PartitionReport:
    """The report ``data`` describes, once every field checks against ``fixed``."""
    problems: list[str] = []
    _text(data, "target", problems)
    _text(data, "host", problems)
    for key, optional in (("host_ops_per_step", False), ("host_ops_once", True), ("host_step_s", True),
                          ("host_step_j", True), ("bytes_per_step", True)):
        _count(data, key, problems, optional=optional)
    segments = _list(data, "segments", problems)
    for i, seg in enumerate(segments):
        where = f"segments[{i}]"
        if not isinstance(seg, dict):
            problems.append(f"{where} is not an object")
            continue
        _text(seg, "segment", problems, where)
        _choice(seg, "placement", PLACES, problems, where)
        _nodes(seg.get("nodes"), fixed, f"{where}.nodes", problems)
        kinds = seg.get("kinds")
        if not isinstance(kinds, dict) or not all(_int(v) and v >= 0 for v in kinds.values()):
            problems.append(f"{where}.kinds must map node kinds to counts, found {kinds!r}"[:160])
    for i, c in enumerate(_list(data, "crossings", problems)):
        where = f"crossings[{i}]"
        if not isinstance(c, dict):
            problems.append(f"{where} is not an object")
            continue
        _nodes([c.get("src"), c.get("dst")], fixed, f"{where} src/dst", problems)
        _choice(c, "direction", DIRECTIONS, problems, where)
        _choice(c, "carries", CARRIES, problems, where)
        for key in ("per_step", "bytes_per_step"):
            if not (_int(c.get(key)) and c[key] >= 0):
                problems.append(f"{where}.{key} must be a count, found {c.get(key)!r}")
        if not isinstance(c.get("once", False), bool):
            problems.append(f"{where}.once must be true or false, found {c.get('once')!r}")
    hosts = data.get("host_nodes")
    if not isinstance(hosts, dict) or not all(isinstance(v, str) for v in hosts.values()):
        problems.append(f"host_nodes must map nodes to reasons, found {type(hosts).__name__}")
    else:
        _nodes(list(hosts), fixed, "host_nodes", problems)
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        problems.append("notes must be a list of strings")
    if problems:
        more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
        raise InputError(f"{source}: the partition section is malformed: {'; '.join(problems[:SHOWN])}{more}")
    return PartitionReport.from_dict({k: v for k, v in data.items() if k != "bytes_per_step"})


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _text(data: dict[str, Any], key: str, problems: list[str], where: str = "") -> None:
    if not isinstance(data.get(key), str):
        problems.append(f"{where + '.' if where else ''}{key} must be a string, found {data.get(key)!r}"[:160])


def _choice(data: dict[str, Any], key: str, allowed: frozenset[str], problems: list[str], where: str) -> None:
    if data.get(key) not in allowed:
        problems.append(f"{where}.{key} must be one of {sorted(allowed)}, found {data.get(key)!r}"[:160])


def _count(data: dict[str, Any], key: str, problems: list[str], optional: bool) -> None:
    value = data.get(key)
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value >= 0):
        problems.append(f"{key} must be a non-negative finite number, found {value!r}"[:160])


def _list(data: dict[str, Any], key: str, problems: list[str]) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        problems.append(f"{key} must be a list, found {type(value).__name__}")
        return []
    return value


def _nodes(names: Any, fixed: Graph, where: str, problems: list[str]) -> None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(f"{where} must be a list of node names, found {names!r}"[:160])
        return
    unknown = [n for n in names if n not in fixed.nodes]
    if unknown:
        problems.append(f"{where} names {unknown[:3]}, not nodes of the fixed graph")

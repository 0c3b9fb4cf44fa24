"""The IR's own file format (``.snnir``): versioned, safe to load from untrusted sources.

Layout: a NumPy ``.npz`` archive (never unpickled: ``allow_pickle=False``) holding

- ``__graph__``: a JSON document ``{"format": "snncompile-ir", "version": N, "dt": ...,
  "nodes": [{"name", "kind", "attrs", "arrays": {field: key}, "meta": {...}}],
  "edges": [[src, dst, delay] or [src, dst, delay, port]]}``
- one array per array-valued node field, under the key named in ``arrays`` (integer
  arrays in the narrowest signed type that holds them; they load as int64).

Version 2 added edge ports and node ``meta`` (both optional, so version 1 files load
unchanged). Loading a newer version fails with a clear message instead of guessing.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any, TypeGuard

import numpy as np

from snncompile.errors import GraphError, InputError, one_line
from snncompile.ir.graph import Edge, Graph
from snncompile.ir.node import NODE_TYPES, Node
from snncompile.npz import read_npz, write_npz

FORMAT = "snncompile-ir"
VERSION = 2


def graph_to_arrays(graph: Graph, prefix: str = "") -> dict[str, np.ndarray]:
    """The graph as named arrays (its JSON header under ``prefix + '__graph__'``)."""
    arrays: dict[str, np.ndarray] = {}
    nodes = []
    for i, (name, node) in enumerate(graph.nodes.items()):
        refs = {}
        for field_name, value in node.param_arrays().items():
            key = f"{prefix}n{i}/{field_name}"
            arrays[key] = _narrow(value)
            refs[field_name] = key
        attrs = {k: v for k, v in node.attributes().items() if k not in refs}
        entry = {"name": name, "kind": node.kind, "attrs": attrs, "arrays": refs}
        if node.meta:
            entry["meta"] = node.meta
        nodes.append(entry)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "dt": graph.dt,
        "nodes": nodes,
        "edges": [[e.src, e.dst, e.delay] + ([e.port] if e.port else []) for e in graph.edges],
    }
    arrays[prefix + "__graph__"] = np.array(json.dumps(header))
    return arrays


def read_json(arrays: Mapping[str, np.ndarray], key: str, source: str) -> Any:
    """The JSON document stored as the 0-d string array ``key``: strict JSON (no NaN or
    Infinity, no number that overflows a float), nesting within Python's limits; every
    problem an InputError naming ``source``."""
    value = np.asarray(arrays[key])
    if value.ndim != 0 or value.dtype.kind not in "US":
        raise InputError(f"{source}: header '{key}' must be one JSON string, found a {value.dtype} array of "
                         f"shape {value.shape}")
    try:
        text = value.item().decode("utf8") if value.dtype.kind == "S" else str(value.item())
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise InputError(f"{source}: header '{key}' is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        raise InputError(f"{source}: header '{key}' is not valid JSON ({one_line(str(exc))[:200]})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} overflows a float")
    return value


def graph_from_arrays(arrays: Mapping[str, np.ndarray], source: str, prefix: str = "") -> Graph:
    """Rebuild a graph from :func:`graph_to_arrays` output (name -> array), checking the
    header's every field (:func:`check_graph_header`) before building anything."""
    key = prefix + "__graph__"
    if key not in arrays:
        raise InputError(f"{source}: not an snncompile IR file (no graph header '{key}')")
    header = read_json(arrays, key, source)
    check_graph_header(header, source)
    graph = Graph(dt=float(header["dt"]))
    for entry in header["nodes"]:
        graph.add(entry["name"], _node(entry, arrays, source))
    graph.edges = [Edge(str(e[0]), str(e[1]), int(e[2]), str(e[3]) if len(e) == 4 else "") for e in header["edges"]]
    return graph


def _node(entry: dict[str, Any], arrays: Mapping[str, np.ndarray], source: str) -> Node:
    where = f"{source}: node '{entry['name']}' ({entry['kind']})"
    fields = dict(entry["attrs"])
    for field_name, key in entry["arrays"].items():
        if key not in arrays:
            raise InputError(f"{where}: its '{field_name}' array '{key}' is not in the file")
        fields[field_name] = _parameter(arrays[key], f"{where}: '{field_name}'")
    for name, value in fields.items():  # JSON lists back to tuples
        if isinstance(value, list):
            fields[name] = tuple(value)
    try:
        return NODE_TYPES[entry["kind"]](**fields, meta=dict(entry.get("meta") or {}))
    except (GraphError, TypeError, ValueError, OverflowError, AttributeError, KeyError, IndexError) as exc:
        raise InputError(f"{where}: {one_line(str(exc))}") from None


def _parameter(value: np.ndarray, what: str) -> np.ndarray:
    """A stored parameter array: real numbers or booleans (complex values are refused, see
    docs/robustness.md), in native byte order."""
    if value.dtype.kind == "c":
        raise InputError(f"{what} holds complex values; parameters are real (the imaginary part would be dropped)")
    if value.dtype.kind not in "biuf":
        raise InputError(f"{what} has dtype {value.dtype}, expected numbers")
    if value.dtype.kind in "iu":  # stored narrow (see _narrow), used as int64
        return value.astype(np.int64)
    return value.astype(value.dtype.newbyteorder("="), copy=False)


def _narrow(value: np.ndarray) -> np.ndarray:
    """Integer arrays in the narrowest signed type that holds them (int8 weights of a
    compiled graph take an eighth of int64's bytes); read back as int64."""
    value = np.asarray(value)
    if value.dtype.kind not in "iu" or not value.size:
        return value
    lo, hi = int(value.min()), int(value.max())
    for dtype in (np.int8, np.int16, np.int32):
        if np.iinfo(dtype).min <= lo and hi <= np.iinfo(dtype).max:
            return value.astype(dtype)
    return value


#: the largest edge delay a file may state (steps)
MAX_DELAY = 2**31 - 1


def check_graph_header(header: Any, source: str) -> None:
    """Every field of a graph header has the type and range a graph needs (nodes named
    once, known kinds, edges ``[src, dst, delay(, port)]``), else an InputError naming the
    file and the entry."""
    if not isinstance(header, dict):
        raise InputError(f"{source}: the graph header must be a JSON object, found {_json_type(header)}")
    if header.get("format") != FORMAT:
        raise InputError(f"{source}: format {header.get('format')!r} is not '{FORMAT}'")
    version = header.get("version")
    if not _is_int(version) or version < 1:
        raise InputError(f"{source}: IR format version must be a positive integer, found {version!r}")
    if version > VERSION:
        raise InputError(f"{source}: IR format version {version} is newer than this snncompile reads ({VERSION}); "
                         "upgrade snncompile")
    dt = header.get("dt")
    if not _is_number(dt) or not (math.isfinite(dt) and dt > 0):
        raise InputError(f"{source}: dt must be a positive number of seconds, found {dt!r}")
    nodes, edges = header.get("nodes"), header.get("edges")
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise InputError(f"{source}: the graph header needs lists 'nodes' and 'edges', found "
                         f"{_json_type(nodes)} and {_json_type(edges)}")
    names: set[str] = set()
    for i, entry in enumerate(nodes):
        _check_node_entry(entry, i, source)
        if entry["name"] in names:
            raise InputError(f"{source}: node '{entry['name']}' is defined twice")
        names.add(entry["name"])
    for item in edges:
        _check_edge(item, source)


def _check_node_entry(entry: Any, i: int, source: str) -> None:
    if not isinstance(entry, dict):
        raise InputError(f"{source}: node entry {i} must be a JSON object, found {_json_type(entry)}")
    name, kind = entry.get("name"), entry.get("kind")
    if not isinstance(name, str) or not name:
        raise InputError(f"{source}: node entry {i} has name {name!r}, expected a non-empty string")
    if kind not in NODE_TYPES:
        raise InputError(f"{source}: node '{name}' has unknown kind {kind!r}")
    for part in ("attrs", "arrays"):
        if not isinstance(entry.get(part), dict):
            raise InputError(f"{source}: node '{name}': '{part}' must be a JSON object, found "
                             f"{_json_type(entry.get(part))}")
    if not all(isinstance(v, str) for v in entry["arrays"].values()):
        raise InputError(f"{source}: node '{name}': 'arrays' must map field names to array names")
    if entry.get("meta") is not None and not isinstance(entry["meta"], dict):
        raise InputError(f"{source}: node '{name}': 'meta' must be a JSON object, found {_json_type(entry['meta'])}")


def _check_edge(item: Any, source: str) -> None:
    shape_ok = isinstance(item, list) and len(item) in (3, 4)
    if not shape_ok or not all(isinstance(v, str) for v in [item[0], item[1], *item[3:]]):
        raise InputError(f"{source}: an edge must be [src, dst, delay] or [src, dst, delay, port], found "
                         f"{_short(item)}")
    if not _is_int(item[2]) or not 0 <= item[2] <= MAX_DELAY:
        raise InputError(f"{source}: edge {item[0]} -> {item[1]} has delay {_short(item[2])}, expected an integer "
                         f"in 0..{MAX_DELAY}")


def _is_int(x: Any) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> TypeGuard[float]:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _json_type(x: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(x), type(x).__name__)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def save_graph(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` to ``path`` atomically (the same graph gives the same bytes)."""
    write_npz(path, graph_to_arrays(graph), compress=True)


def load_graph(path: str | os.PathLike) -> Graph:
    """Read a ``.snnir`` file; every failure is an InputError naming the file."""
    source = str(path)
    return graph_from_arrays(read_npz(path, "snncompile IR file"), source)

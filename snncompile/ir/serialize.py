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
import os
import zipfile
from typing import Any

import numpy as np

from snncompile.errors import InputError
from snncompile.fileio import atomic_path
from snncompile.ir.graph import Edge, Graph
from snncompile.ir.node import NODE_TYPES

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


def graph_from_arrays(arrays: Any, source: str, prefix: str = "") -> Graph:
    """Rebuild a graph from :func:`graph_to_arrays` output (an npz mapping)."""
    try:
        header = json.loads(str(arrays[prefix + "__graph__"]))
    except KeyError:
        raise InputError(f"{source}: not an snncompile IR file (no graph header)") from None
    if header.get("format") != FORMAT:
        raise InputError(f"{source}: format '{header.get('format')}' is not '{FORMAT}'")
    if int(header.get("version", 0)) > VERSION:
        raise InputError(
            f"{source}: IR format version {header['version']} is newer than this snncompile "
            f"reads ({VERSION}); upgrade snncompile"
        )
    graph = Graph(dt=float(header["dt"]))
    for entry in header["nodes"]:
        cls = NODE_TYPES.get(entry["kind"])
        if cls is None:
            raise InputError(f"{source}: node '{entry['name']}' has unknown kind '{entry['kind']}'")
        fields = dict(entry["attrs"])
        for field_name, key in entry["arrays"].items():
            value = np.asarray(arrays[key])
            fields[field_name] = value.astype(np.int64) if value.dtype.kind in "iu" else value
        for key, value in fields.items():  # JSON lists back to tuples
            if isinstance(value, list):
                fields[key] = tuple(value)
        try:
            graph.add(entry["name"], cls(**fields, meta=dict(entry.get("meta") or {})))
        except TypeError as exc:
            raise InputError(f"{source}: node '{entry['name']}' ({entry['kind']}): {exc}") from None
    graph.edges = [_edge(item, source) for item in header["edges"]]
    return graph


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


def _edge(item: Any, source: str) -> Edge:
    if not isinstance(item, list) or len(item) not in (3, 4):
        raise InputError(f"{source}: an edge must be [src, dst, delay] or [src, dst, delay, port], found {item!r}")
    return Edge(str(item[0]), str(item[1]), int(item[2]), str(item[3]) if len(item) == 4 else "")


def save_graph(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` to ``path`` atomically."""
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **graph_to_arrays(graph))


def load_graph(path: str | os.PathLike) -> Graph:
    """Read a ``.snnir`` file; every failure is an InputError naming the file."""
    source = str(path)
    if not os.path.exists(path):
        raise InputError(f"{source}: no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            return graph_from_arrays(data, source)
    except (zipfile.BadZipFile, ValueError, OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{source}: not a readable snncompile IR file ({exc})") from None

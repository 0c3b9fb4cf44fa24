"""Edits of npz archives (``.snnir``, ``.snnc``, input ``.npz``): JSON header edits
(missing and wrong-typed keys, ``null``, ``Infinity``, deep nesting, versions, nodes,
edges, digests), arrays swapped, removed, retyped or changed under an intact header,
npy headers that declare huge shapes or pickled objects, zip members that need a zip
version nobody implements, and a plain ``.npy`` in a ``.npz``'s name."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from snncompile.testing.fuzz.registry import generator

ARCHIVES = ("snnir", "snnc", "npz")


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def write_members(path: Path, members: dict[str, bytes], compress: bool = True) -> None:
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=method)


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def npy_header(descr: str, shape: tuple[int, ...], fortran: bool = False) -> bytes:
    """A version 1.0 npy header (no data), for crafted declarations."""
    text = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}"
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def _load(member: bytes) -> np.ndarray:
    return np.lib.format.read_array(io.BytesIO(member), allow_pickle=False)


def _headers(members: dict[str, bytes]) -> list[str]:
    return [n for n in members if n.endswith(("__graph__.npy", "__artifact__.npy"))]


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(0, len(items)))]


# -- header edits --------------------------------------------------------------------------
def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON document (dict keys and list indices)."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:6]):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple, value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


#: values a header entry may be replaced with (as JSON text, so Infinity and NaN survive)
JSON_VALUES = ["null", "0", "-1", "1.5", "1e400", "-1e400", "Infinity", "NaN", '"text"', "[]", "{}", "[1, 2, 3]",
               '{"a": 1}', "true", "100000000000000000000000000000", '["x", "y", 0]', '""']


@generator("snnir", "snnc")
def header_edit(rng, seed, out):
    members = read_members(seed)
    name = _pick(rng, _headers(members))
    doc = json.loads(str(_load(members[name])))
    path = _pick(rng, _paths(doc))
    how = int(rng.integers(0, 3))
    if how == 0 and path:
        doc = _set(doc, path, None, delete=True)
        text, what = json.dumps(doc), f"deleted {list(path)}"
    else:
        marker = "__FUZZ__"
        doc = _set(doc, path, marker)
        value = _pick(rng, JSON_VALUES)
        text, what = json.dumps(doc).replace(f'"{marker}"', value), f"{list(path)} = {value}"
    members[name] = npy_bytes(np.array(text))
    write_members(out, members)
    return f"{name}: {what}"


@generator("snnir", "snnc")
def header_nesting(rng, seed, out):
    members = read_members(seed)
    name = _pick(rng, _headers(members))
    depth = int(rng.choice([100, 5000, 200000]))
    members[name] = npy_bytes(np.array('{"format": ' + "[" * depth + "]" * depth + "}"))
    write_members(out, members)
    return f"{name}: {depth} nested lists"


@generator("snnir", "snnc")
def header_not_json(rng, seed, out):
    members = read_members(seed)
    name = _pick(rng, _headers(members))
    value = _pick(rng, [np.array("not json {"), np.array(b"\xff\xfe"), np.arange(3), np.array("null"),
                        np.array('"a string"'), np.array("[1, 2]"), np.array(["{}", "{}"])])
    members[name] = npy_bytes(value)
    write_members(out, members)
    return f"{name}: {value!r}"


@generator("snnir", "snnc")
def graph_entries(rng, seed, out):
    """Edits inside the graph headers: node kinds, attrs, array references, edges, dt."""
    members = read_members(seed)
    name = _pick(rng, [n for n in _headers(members) if "__graph__" in n])
    doc = json.loads(str(_load(members[name])))
    nodes, i = doc["nodes"], int(rng.integers(0, len(doc["nodes"])))
    edits = {
        "kind": lambda: nodes[i].__setitem__("kind", _pick(rng, ["LIF", "Banana", "FixedLIF", "Input", "Graph"])),
        "attr-missing": lambda: nodes[i]["attrs"].pop(next(iter(nodes[i]["attrs"]), "x"), None),
        "attr-extra": lambda: nodes[i]["attrs"].__setitem__("surprise", 1),
        "attr-type": lambda: [nodes[i]["attrs"].__setitem__(k, _pick(rng, [None, "x", [[1]], -5, 1e300]))
                              for k in list(nodes[i]["attrs"])[:1]],
        "array-ref": lambda: [nodes[i]["arrays"].__setitem__(k, "missing/key") for k in list(nodes[i]["arrays"])[:1]],
        "array-self": lambda: [nodes[i]["arrays"].__setitem__(k, name.removesuffix(".npy"))
                               for k in list(nodes[i]["arrays"])[:1]],
        "duplicate-node": lambda: nodes.append(dict(nodes[i])),
        "edge-columns": lambda: doc["edges"].append(["x"]),
        "edge-missing": lambda: doc["edges"].append([nodes[i]["name"], "nowhere", 0]),
        "edge-duplicate": lambda: doc["edges"].append(list(doc["edges"][0])),
        "edge-delay": lambda: doc["edges"][0].__setitem__(2, _pick(rng, [-1, 10**18, 1.5, "2", None])),
        "dt": lambda: doc.__setitem__("dt", _pick(rng, [0, -1, None, "0.001", 1e-320, 1e300])),
        "version": lambda: doc.__setitem__("version", _pick(rng, [0, -1, 3, 99, "2", 1.5, None])),
        "meta": lambda: nodes[i].__setitem__("meta", _pick(rng, [None, [], "x", {"placement": 5}])),
        "name": lambda: nodes[i].__setitem__("name", _pick(rng, [None, 5, "", nodes[0]["name"]])),
    }
    what = _pick(rng, sorted(edits))
    edits[what]()
    members[name] = npy_bytes(np.array(json.dumps(doc)))
    write_members(out, members)
    return f"{name}: node {i} {what}"


@generator("snnc")
def artifact_entries(rng, seed, out):
    """Edits inside the artifact header: lags, report, target, provenance, digests."""
    members = read_members(seed)
    name = "__artifact__.npy"
    doc = json.loads(str(_load(members[name])))
    edits = {
        "lags-missing-node": lambda: doc["lags"].pop(next(iter(doc["lags"]))),
        "lags-type": lambda: doc["lags"].__setitem__(next(iter(doc["lags"])), _pick(rng, [-1, "1", None, 1e30])),
        "lags-extra": lambda: doc["lags"].__setitem__("ghost", 1),
        "report": lambda: doc["report"].pop(_pick(rng, sorted(doc["report"]))),
        "report-type": lambda: doc.__setitem__("report", _pick(rng, [[], "x", None, {"layers": 5}])),
        "target": lambda: doc.__setitem__("target", _pick(rng, [None, [], {"name": 5}])),
        "spec": lambda: doc["target"].__setitem__("spec", _pick(rng, [None, {}, {"target": "x"}])),
        "digests": lambda: doc.__setitem__("digests", _pick(rng, [None, {}, {"fixed": "0" * 64}, "x", [1]])),
        "no-digests": lambda: doc.pop("digests", None),
        "version": lambda: doc.__setitem__("version", _pick(rng, [0, 2, 3, 99, "1", 1.0, None, True])),
        "format": lambda: doc.__setitem__("format", _pick(rng, ["snncompile-ir", None, 1])),
    }
    what = _pick(rng, sorted(edits))
    edits[what]()
    members[name] = npy_bytes(np.array(json.dumps(doc)))
    write_members(out, members)
    return f"artifact header: {what}"


# -- array edits -----------------------------------------------------------------------------
def _data_members(members: dict[str, bytes]) -> list[str]:
    return [n for n in members if n not in _headers(members)]


@generator(*ARCHIVES)
def swap_arrays(rng, seed, out):
    members = read_members(seed)
    names = _data_members(members)
    if len(names) < 2:
        return header_not_json(rng, seed, out) if _headers(members) else remove_array(rng, seed, out)
    a, b = (names[int(i)] for i in rng.choice(len(names), 2, replace=False))
    members[a], members[b] = members[b], members[a]
    write_members(out, members)
    return f"arrays '{a}' and '{b}' swapped"


@generator(*ARCHIVES)
def remove_array(rng, seed, out):
    members = read_members(seed)
    name = _pick(rng, list(members))
    del members[name]
    write_members(out, members)
    return f"'{name}' removed"


@generator(*ARCHIVES)
def change_values(rng, seed, out):
    """One array's values changed under an intact header (a digest must notice)."""
    members = read_members(seed)
    name = _pick(rng, _data_members(members) or list(members))
    array = _load(members[name])
    if array.dtype.kind not in "biuf" or not array.size:
        return swap_arrays(rng, seed, out)
    array = array.copy()
    array.flat[int(rng.integers(0, array.size))] += 1 if array.dtype.kind != "b" else True
    members[name] = npy_bytes(array)
    write_members(out, members)
    return f"'{name}': one value changed"


#: array replacements: (description, array)
RETYPED = [
    ("complex", lambda a: a.astype(np.complex128) * (1 + 1j) if a.dtype.kind in "biuf" else np.ones(2, complex)),
    ("string", lambda a: np.array(["a", "b"])),
    ("bool", lambda a: np.ones(a.shape, bool)),
    ("timedelta", lambda a: np.ones(a.shape, "m8[s]")),
    ("datetime", lambda a: np.ones(a.shape, "M8[s]")),
    ("big-endian", lambda a: a.astype(a.dtype.newbyteorder(">")) if a.dtype.kind in "biuf" else a),
    ("float16", lambda a: np.ones(a.shape, np.float16)),
    ("structured", lambda a: np.zeros(3, dtype=[("x", "f8")])),
    ("empty", lambda a: np.zeros((0,) + a.shape[1:], a.dtype if a.dtype.kind in "biuf" else float)),
    ("0-d", lambda a: np.float64(1.0)),
    ("nan", lambda a: np.full(a.shape, np.nan)),
    ("inf", lambda a: np.full(a.shape, np.inf)),
    ("1e308", lambda a: np.full(a.shape, 1e308)),
    ("int64-max", lambda a: np.full(a.shape, np.iinfo(np.int64).max)),
    ("transposed", lambda a: np.asarray(a).T.copy()),
    ("extra-axis", lambda a: np.asarray(a)[..., None]),
]


@generator(*ARCHIVES)
def retype_array(rng, seed, out):
    members = read_members(seed)
    name = _pick(rng, _data_members(members) or list(members))
    what, fn = RETYPED[int(rng.integers(0, len(RETYPED)))]
    members[name] = npy_bytes(fn(_load(members[name])))
    write_members(out, members)
    return f"'{name}' replaced by {what}"


@generator(*ARCHIVES)
def declared_shape(rng, seed, out):
    """An npy header that declares far more data than follows (or pickled objects)."""
    members = read_members(seed)
    name = _pick(rng, list(members))
    descr, shape = _pick(rng, [("<f8", (10**9, 6, 3)), ("<f4", (2, 10**10)), ("|O", (2, 3)), ("<f8", (2**62,)),
                               ("<f8", (40000, 40000)), ("<U1000000", (10**4,)), ("<f8", (-1, 3)),
                               ("<f8", (3, 2)), ("V0", (10**12,))])
    members[name] = npy_header(descr, shape) + bytes(int(rng.integers(0, 64)))
    write_members(out, members)
    return f"'{name}' declares {descr} {shape}"


@generator(*ARCHIVES)
def zip_version(rng, seed, out):
    """Members that need a zip version or compression method nobody implements."""
    data = bytearray(seed.read_bytes())
    i = data.find(b"PK\x03\x04")
    which = int(rng.integers(0, 3))
    j = data.find(b"PK\x01\x02")
    if which == 0:
        data[j + 6] = 80  # version needed to extract (central directory): 8.0
    elif which == 1:
        data[i + 8:i + 10] = struct.pack("<H", 99)  # compression method 99 (AES)
    else:
        data[j + 10:j + 12] = struct.pack("<H", 12)  # bzip2 declared, deflate stored
    out.write_bytes(bytes(data))
    return ["zip version 8.0 needed", "compression method 99", "central directory: bzip2"][which]


@generator(*ARCHIVES)
def plain_npy(rng, seed, out):
    """A plain ``.npy`` (not an archive) under the archive's name."""
    members = read_members(seed)
    out.write_bytes(members[_pick(rng, list(members))])
    return "a plain .npy file"


@generator(*ARCHIVES)
def many_members(rng, seed, out):
    members = read_members(seed)
    n = int(rng.integers(100, 3000))
    filler = npy_bytes(np.zeros(2))
    members.update({f"junk{i}.npy": filler for i in range(n)})
    write_members(out, members)
    return f"{n} extra members"


@generator(*ARCHIVES)
def odd_member_names(rng, seed, out):
    members = read_members(seed)
    name = _pick(rng, list(members))
    new = _pick(rng, ["../../escape.npy", "/abs.npy", "noext", "dir/", name.removesuffix(".npy"), "é.npy"])
    members[new] = members.pop(name)
    write_members(out, members)
    return f"'{name}' renamed '{new}'"

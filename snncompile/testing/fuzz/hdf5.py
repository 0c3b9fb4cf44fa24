"""HDF5 structure edits for ``.nir`` and ``.net`` files: wrong dtypes, missing and extra
keys, cyclic groups, deep nesting, links out of the file, huge declared shapes, absurd
values, and NIR's own fields (edges, node types, shapes, thresholds)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from snncompile.testing.fuzz.registry import generator

Edit = Callable[[np.random.Generator, h5py.File], str]


def _edit(rng: np.random.Generator, seed: Path, out: Path, fn: Edit) -> str:
    shutil.copyfile(seed, out)
    with h5py.File(out, "r+") as f:
        return fn(rng, f)


def _items(f: h5py.File, want: type) -> list[str]:
    found: list[str] = []
    f.visititems(lambda name, obj: found.append(name) if isinstance(obj, want) else None)
    return found


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(0, len(items)))]


def _numeric(f: h5py.File) -> list[str]:
    return [n for n in _items(f, h5py.Dataset) if f[n].dtype.kind in "biuf"]


def _replace(f: h5py.File, name: str, data: Any = None, **kwargs: Any) -> None:
    del f[name]
    f.create_dataset(name, data=data, **kwargs)


@generator("nir", "net")
def delete_key(rng, seed, out):
    def edit(rng, f):
        name = _pick(rng, _items(f, h5py.Dataset) + _items(f, h5py.Group))
        del f[name]
        return f"deleted '{name}'"
    return _edit(rng, seed, out, edit)


@generator("nir", "net")
def extra_key(rng, seed, out):
    def edit(rng, f):
        group = _pick(rng, ["/", *_items(f, h5py.Group)])
        kind = int(rng.integers(0, 3))
        if kind == 0:
            f[group].create_dataset("extra", data=np.arange(3.0))
        elif kind == 1:
            f[group].create_group("extra")
        else:
            f[group].create_dataset("type", data="NIRGraph") if "type" not in f[group] else None
        return f"added key {kind} under '{group}'"
    return _edit(rng, seed, out, edit)


#: replacement values for a dataset, by what they test
RETYPES: dict[str, Callable[[tuple[int, ...]], Any]] = {
    "string": lambda shape: "not a number",
    "bytes-array": lambda shape: np.array([b"a", b"b"]),
    "complex": lambda shape: np.ones(shape) * (1 + 2j),
    "int8": lambda shape: np.ones(shape, np.int8),
    "uint64-max": lambda shape: np.full(shape, np.iinfo(np.uint64).max, np.uint64),
    "bool": lambda shape: np.ones(shape, bool),
    "float16": lambda shape: np.ones(shape, np.float16),
    "big-endian": lambda shape: np.ones(shape, ">f8"),
    "empty": lambda shape: np.zeros((0,)),
    "scalar": lambda shape: np.float64(0.5),
    "extra-axis": lambda shape: np.ones((*shape, 2)),
    "compound": lambda shape: np.zeros(3, dtype=[("a", "f8"), ("b", "i4")]),
    "timedelta-as-int": lambda shape: np.ones(shape, np.int64) * 2**62,
}


@generator("nir", "net")
def retype(rng, seed, out):
    def edit(rng, f):
        name = _pick(rng, _items(f, h5py.Dataset))
        how = _pick(rng, sorted(RETYPES))
        shape = f[name].shape or ()
        _replace(f, name, RETYPES[how](tuple(shape)))
        return f"'{name}' replaced by {how}"
    return _edit(rng, seed, out, edit)


#: absurd values for a numeric dataset
VALUES = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "subnormal": 1e-320, "-1": -1.0, "0": 0.0,
          "1e308": 1e308, "-1e308": -1e308, "2**63": 2.0**63}


@generator("nir", "net")
def absurd_values(rng, seed, out):
    def edit(rng, f):
        name = _pick(rng, _numeric(f))
        how = _pick(rng, sorted(VALUES))
        old = f[name]
        dtype = old.dtype if old.dtype.kind == "f" else np.float64
        values = np.asarray(old[()], dtype=np.float64).copy()
        if values.ndim and values.size:
            values.flat[int(rng.integers(0, values.size))] = VALUES[how]
        else:
            values = np.float64(VALUES[how])
        with np.errstate(all="ignore"):
            _replace(f, name, np.asarray(values).astype(dtype) if old.dtype.kind == "f" else values)
        return f"'{name}' gets value {how}"
    return _edit(rng, seed, out, edit)


@generator("nir", "net")
def huge_shape(rng, seed, out):
    """A chunked dataset declaring a shape far beyond memory (written lazily: the file
    stays small; reading it would allocate the declared size)."""
    def edit(rng, f):
        name = _pick(rng, _numeric(f))
        shape = [(30000, 30000), (10**9,), (2**31, 4), (100000, 100000, 10)][int(rng.integers(0, 4))]
        del f[name]
        f.create_dataset(name, shape=shape, dtype="f8", chunks=(1,) * len(shape), fillvalue=0.5)
        return f"'{name}' declares shape {shape}"
    return _edit(rng, seed, out, edit)


@generator("nir", "net")
def cyclic_group(rng, seed, out):
    def edit(rng, f):
        groups = _items(f, h5py.Group)
        inner = _pick(rng, groups) if groups else "/"
        parts = inner.split("/")
        ancestor = "/" + "/".join(parts[: int(rng.integers(0, len(parts)))])
        f[inner]["loop"] = f[ancestor]
        return f"'{inner}/loop' is a hard link to its ancestor '{ancestor}'"
    return _edit(rng, seed, out, edit)


@generator("nir", "net")
def soft_and_external_links(rng, seed, out):
    def edit(rng, f):
        group = _pick(rng, ["/", *_items(f, h5py.Group)])
        kind = int(rng.integers(0, 3))
        if kind == 0:
            f[group]["link"] = h5py.SoftLink("/does/not/exist")
        elif kind == 1:
            f[group]["link"] = h5py.ExternalLink("/etc/hostname", "/")
        else:
            f[group]["link"] = h5py.SoftLink(f[group].name)  # a link to itself
        return f"link kind {kind} under '{group}'"
    return _edit(rng, seed, out, edit)


@generator("nir", "net")
def deep_nesting(rng, seed, out):
    def edit(rng, f):
        group = _pick(rng, _items(f, h5py.Group) or ["/"])
        depth = int(rng.choice([50, 400, 1500]))
        g = f[group]
        for i in range(depth):
            g = g.create_group("type" if i % 7 == 3 else f"g{i}")
        return f"{depth} nested groups under '{group}'"
    return _edit(rng, seed, out, edit)


@generator("nir", "net")
def many_keys(rng, seed, out):
    def edit(rng, f):
        group = _pick(rng, _items(f, h5py.Group) or ["/"])
        for i in range(int(rng.integers(200, 2000))):
            f[group].create_group(f"k{i}")
        return f"hundreds of extra groups under '{group}'"
    return _edit(rng, seed, out, edit)


# -- NIR's own fields ----------------------------------------------------------------------
def _edges(f: h5py.File) -> tuple[str, np.ndarray]:
    names = [n for n in _items(f, h5py.Dataset) if n.endswith("edges")]
    name = names[0]
    return name, np.asarray(f[name][()], dtype=object)


def _write_edges(f: h5py.File, name: str, edges: Any) -> None:
    del f[name]
    f.create_dataset(name, data=np.asarray(edges, dtype=object), dtype=h5py.string_dtype())


@generator("nir")
def nir_edges(rng, seed, out):
    def edit(rng, f):
        name, edges = _edges(f)
        rows = [[v.decode() if isinstance(v, bytes) else str(v) for v in r] for r in edges.reshape(-1, 2)]
        how = int(rng.integers(0, 8))
        if how == 0:
            rows.append(list(rows[int(rng.integers(0, len(rows)))]))
            text = "a duplicated edge"
        elif how == 1:
            rows = [[*r, r[0]] for r in rows]
            text = "3-column edges"
        elif how == 2:
            rows[0][1] = "missing_node"
            text = "an edge naming a missing node"
        elif how == 3:
            rows = []
            text = "no edges"
        elif how == 4:
            rows[0] = [rows[0][1], rows[0][0]]
            text = "a reversed edge"
        elif how == 5:
            rows.append([rows[0][0], rows[0][0]])
            text = "a self-loop"
        elif how == 6:
            del f[name]
            f.create_dataset(name, data=np.arange(6).reshape(3, 2))
            return "edges as integers"
        else:
            rows = [[r[0] + " \u00e9", r[1]] for r in rows]
            text = "edge names with a trailing space and accent"
        if rows and how != 1:
            _write_edges(f, name, rows)
        elif how == 1:
            del f[name]
            f.create_dataset(name, data=np.asarray(rows, dtype=object), dtype=h5py.string_dtype())
        else:
            del f[name]
            f.create_dataset(name, shape=(0, 2), dtype=h5py.string_dtype())
        return text
    return _edit(rng, seed, out, edit)


#: NIR node types to swap in (known ones with other fields, and unknown ones)
NIR_TYPES = ["LIF", "CubaLIF", "IF", "LI", "Affine", "Linear", "Conv2d", "Flatten", "SumPool2d", "Delay",
             "Threshold", "Input", "Output", "NIRGraph", "Scale", "Banana", ""]


@generator("nir")
def nir_types(rng, seed, out):
    def edit(rng, f):
        name = _pick(rng, [n for n in _items(f, h5py.Dataset) if n.endswith("/type")])
        new = _pick(rng, NIR_TYPES)
        _replace(f, name, new)
        return f"'{name}' becomes '{new}'"
    return _edit(rng, seed, out, edit)


@generator("nir")
def nir_fields(rng, seed, out):
    """The suspicious and absurd values the issue names: infinite and subnormal
    thresholds, negative and zero shapes, complex weights, zero or negative tau."""
    def edit(rng, f):
        cases = {
            "v_threshold": [np.inf, 1e-320, -1.0, 0.0, np.nan],
            "weight": [1e-320, 1e308, np.nan],
            "tau": [0.0, -1.0, 1e-320, np.inf],
            "r": [0.0, 1e308],
            "shape": [-3, 0, 2**40],
            "v_reset": [np.inf, 1e308],
        }
        field = _pick(rng, sorted(cases))
        names = [n for n in _items(f, h5py.Dataset) if n.endswith("/" + field)]
        if not names:
            return "no such field (unchanged)"
        name = _pick(rng, names)
        old = np.asarray(f[name][()])
        if field == "weight" and rng.random() < 0.4:
            _replace(f, name, old.astype(np.float64) * (1 + 1j))
            return f"'{name}' complex"
        value = cases[field][int(rng.integers(0, len(cases[field])))]
        new = np.full(old.shape, value, dtype=old.dtype if field == "shape" else np.float64)
        _replace(f, name, new)
        return f"'{name}' = {value}"
    return _edit(rng, seed, out, edit)


# -- netx's fields -------------------------------------------------------------------------
@generator("net")
def netx_fields(rng, seed, out):
    def edit(rng, f):
        cases = {
            "type": [b"dense", b"conv", b"input", b"flatten", b"average", b"pool", b"banana", b""],
            "vThMant": [-1, 0, 2**40], "vDecay": [4096, -1, 2**31], "iDecay": [-5, 8192],
            "refDelay": [0, 5], "shape": [-1, 0, 2**33], "weight": [2**20, -(2**20)], "delay": [100, -1],
            "gradedSpike": [True], "dt": [0.0, -1.0, np.inf],
        }
        field = _pick(rng, sorted(cases))
        if field == "dt":
            f.attrs["dt"] = cases["dt"][int(rng.integers(0, 3))]
            return f"root dt = {f.attrs['dt']}"
        names = [n for n in _items(f, h5py.Dataset) if n.endswith("/" + field)]
        value = cases[field][int(rng.integers(0, len(cases[field])))]
        if not names:
            layer = _pick(rng, [g for g in _items(f, h5py.Group) if g.count("/") == 1])
            f[layer].create_dataset(field, data=np.asarray([value]))
            return f"'{layer}/{field}' added = {value!r}"
        name = _pick(rng, names)
        old = np.asarray(f[name][()])
        new = np.full(old.shape, value, dtype=old.dtype) if isinstance(value, int | bool) else np.full(old.shape, value)
        _replace(f, name, new)
        return f"'{name}' = {value!r}"
    return _edit(rng, seed, out, edit)


@generator("nir")
def nir_huge_layer(rng, seed, out):
    """A small, valid file whose layer is declared (n,) with scalar parameters: reading
    is cheap, but running or compiling would allocate n values per step."""
    import nir

    n = int(rng.choice([10**6, 10**9, 2**40, 10**12]))
    lif = nir.LIF(tau=np.array([0.01]), r=np.array([1.0]), v_leak=np.array([0.0]), v_threshold=np.array([1.0]))
    graph = nir.NIRGraph(nodes={"x": nir.Input(input_type={"input": np.array([n])}), "lif": lif,
                                "y": nir.Output(output_type={"output": np.array([n])})},
                         edges=[("x", "lif"), ("lif", "y")], type_check=False)
    nir.write(out, graph)
    return f"a layer of {n} neurons with scalar parameters"

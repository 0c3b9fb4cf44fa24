"""Hostile input data (``.npz`` with ``input`` and ``labels``): wrong dtypes, NaN and
inf, empty, batch 0 and 0 steps, wrong ranks, big-endian, complex, strings, huge values,
missing or extra arrays, labels that do not fit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from snncompile.testing.fuzz.registry import generator


def _seed(seed: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(seed, allow_pickle=False) as data:
        return np.asarray(data["input"]), np.asarray(data["labels"])


#: input array transformations, by what they test
INPUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "nan": lambda x: np.where(np.arange(x.size).reshape(x.shape) == 0, np.nan, x),
    "inf": lambda x: np.full(x.shape, np.inf),
    "-inf": lambda x: -np.full(x.shape, np.inf),
    "1e308": lambda x: np.full(x.shape, 1e308),
    "-1e308": lambda x: np.full(x.shape, -1e308),
    "1e38-float32": lambda x: np.full(x.shape, 3e38, np.float32),
    "subnormal": lambda x: np.full(x.shape, 1e-320),
    "negative": lambda x: -x,
    "int64-max": lambda x: np.full(x.shape, np.iinfo(np.int64).max),
    "uint8": lambda x: x.astype(np.uint8) * 255,
    "bool": lambda x: x.astype(bool),
    "float16": lambda x: x.astype(np.float16),
    "big-endian": lambda x: x.astype(">f8"),
    "big-endian-int": lambda x: x.astype(">i4"),
    "complex": lambda x: x.astype(np.complex64) * 1j,
    "timedelta": lambda x: x.astype(np.int64).astype("m8[ms]"),
    "datetime": lambda x: x.astype(np.int64).astype("M8[s]"),
    "string": lambda x: x.astype(str),
    "bytes": lambda x: x.astype("S3"),
    "structured": lambda x: np.zeros(x.shape, dtype=[("a", "f4")]),
    "batch-0": lambda x: x[:0],
    "steps-0": lambda x: x[:, :0],
    "empty-features": lambda x: x[..., :0],
    "0-d": lambda x: np.array(1.0, np.float32),
    "1-d": lambda x: x.reshape(-1),
    "2-d": lambda x: x.reshape(x.shape[0], -1),
    "extra-axis": lambda x: x[..., None],
    "transposed": lambda x: np.swapaxes(x, 0, 1).copy(),
    "fortran": lambda x: np.asfortranarray(x),
    "one-step": lambda x: x[:, :1],
    "long": lambda x: np.tile(x, (1, 40) + (1,) * (x.ndim - 2)),
    "wide-batch": lambda x: np.tile(x, (64,) + (1,) * (x.ndim - 1)),
    "wrong-features": lambda x: np.concatenate([x, x], axis=-1),
}


@generator("npz")
def bad_input(rng, seed, out):
    x, labels = _seed(seed)
    what = sorted(INPUTS)[int(rng.integers(0, len(INPUTS)))]
    with np.errstate(all="ignore"):
        np.savez(out, input=INPUTS[what](x), labels=labels)
    return f"input: {what}"


#: label transformations
LABELS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "short": lambda y: y[:1],
    "long": lambda y: np.concatenate([y, y]),
    "float": lambda y: y + 0.5,
    "nan": lambda y: np.full(y.shape, np.nan),
    "negative": lambda y: y - 5,
    "huge": lambda y: y + 2**62,
    "string": lambda y: y.astype(str),
    "2-d": lambda y: np.stack([y, y], 1),
    "0-d": lambda y: np.array(1),
    "complex": lambda y: y + 1j,
    "bool": lambda y: y.astype(bool),
    "empty": lambda y: y[:0],
}


@generator("npz")
def bad_labels(rng, seed, out):
    x, labels = _seed(seed)
    what = sorted(LABELS)[int(rng.integers(0, len(LABELS)))]
    np.savez(out, input=x, labels=LABELS[what](labels))
    return f"labels: {what}"


@generator("npz")
def bad_names(rng, seed, out):
    x, labels = _seed(seed)
    how = int(rng.integers(0, 5))
    arrays = [{"inputs": x}, {"labels": labels}, {}, {"input": x, "labels": labels, "x": x, "extra": labels},
              {"input": x, "input.npy": x}][how]
    np.savez(out, **arrays)
    return f"arrays named {sorted(arrays)}"

"""Validated access to the datasets of an untrusted netx HDF5 file.

Every accessor raises :class:`InputError` naming the file, the layer and the field, what
was expected and what was found. Values are read with h5py (no pickles); only numeric,
boolean and string datasets are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile.errors import InputError


@dataclass(frozen=True)
class Where:
    """A place in the file, for messages: ``FILE: layer 3 (dense): field 'weight'``."""

    source: str
    layer: str = ""

    def error(self, message: str, key: str | None = None) -> InputError:
        field = f"field '{key}' " if key else ""
        layer = f"{self.layer}: " if self.layer else ""
        return InputError(f"{self.source}: {layer}{field}{message}")


def dataset(group: Any, key: str, where: Where) -> np.ndarray:
    """The numeric array stored at ``key`` (finite values only)."""
    import h5py

    if key not in group:
        raise where.error("is missing", key)
    item = group[key]
    if not isinstance(item, h5py.Dataset):
        raise where.error(f"must be a dataset, found a {type(item).__name__}", key)
    try:
        value = np.asarray(item[()])
    except (OSError, TypeError, ValueError) as exc:
        raise where.error(f"cannot be read ({exc})", key) from None
    if value.dtype == bool:
        return value
    if value.dtype.kind not in "iuf":
        raise where.error(f"must be numeric, found dtype {value.dtype}", key)
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise where.error("has non-finite values (NaN or inf)", key)
    return value


def truncated_ints(group: Any, key: str, where: Where) -> np.ndarray:
    """An array cast to integers the way netx casts weights and biases
    (``astype(int)``: floats truncated toward zero)."""
    value = dataset(group, key, where)
    if value.dtype.kind == "f" and np.any(np.abs(value) >= 2**62):
        raise where.error("has values beyond the 64-bit integer range", key)
    return value.astype(np.int64)


def exact_ints(group: Any, key: str, where: Where, lo: int, hi: int) -> np.ndarray:
    """An integer-valued array (floats allowed when they hold whole numbers) in [lo, hi]."""
    value = dataset(group, key, where)
    if value.dtype.kind == "f" and np.any(value != np.round(value)):
        bad = value[value != np.round(value)].ravel()[0]
        raise where.error(f"must hold whole numbers, found {bad}", key)
    ints = value.astype(np.int64)
    if ints.size and (ints.min() < lo or ints.max() > hi):
        raise where.error(f"must lie in [{lo}, {hi}], found values in [{ints.min()}, {ints.max()}]", key)
    return ints


def scalar_int(group: Any, key: str, where: Where, lo: int, hi: int, default: int | None = None) -> int:
    """One integer (a scalar or a one-element array) in [lo, hi]; ``default`` when absent."""
    if default is not None and key not in group:
        return default
    value = exact_ints(group, key, where, lo, hi)
    if value.size != 1:
        raise where.error(f"must be a single value, found shape {value.shape}", key)
    return int(value.ravel()[0])


def pair(group: Any, key: str, where: Where, lo: int, default: int) -> tuple[int, int]:
    """A convolution parameter stored as a scalar or (H, W) pair (netx's ``expand``)."""
    if key not in group:
        return (default, default)
    value = exact_ints(group, key, where, lo, 2**20)
    if value.size == 1:
        return (int(value.ravel()[0]),) * 2
    if value.shape != (2,):
        raise where.error(f"must be a scalar or a pair (H, W), found shape {value.shape}", key)
    return (int(value[0]), int(value[1]))


def string(group: Any, key: str, where: Where) -> str:
    """A string dataset (netx writes ``type`` as a one-element ``S10`` array)."""
    import h5py

    if key not in group or not isinstance(group[key], h5py.Dataset):
        raise where.error("is missing (a string dataset)", key)
    value = np.asarray(group[key][()])
    if value.shape not in ((), (1,)):
        raise where.error(f"must be one string, found shape {value.shape}", key)
    item = value.ravel()[0]
    if isinstance(item, bytes):
        try:
            return item.decode("ascii")
        except UnicodeDecodeError:
            raise where.error("is not an ASCII string", key) from None
    if isinstance(item, str):
        return item
    raise where.error(f"must be a string, found {value.dtype}", key)


def flag(group: Any, key: str, where: Where, default: bool) -> bool:
    if key not in group:
        return default
    value = dataset(group, key, where)
    if value.size != 1:
        raise where.error(f"must be a single boolean, found shape {value.shape}", key)
    item = value.ravel()[0]
    if item not in (0, 1):
        raise where.error(f"must be a boolean, found {item}", key)
    return bool(item)

"""The registry of hostile-input generators, by file kind.

A generator writes one hostile variant of a seed file: ``fn(rng, seed, out) -> str``
reads the valid file ``seed``, writes the variant to ``out`` and returns one line saying
what it did. Kinds: ``nir``, ``net`` (HDF5); ``snnir``, ``snnc`` (npz archives with a
JSON header); ``npz`` (input data); ``toml`` (targets); ``py`` (``file.py:factory``
models); ``pt`` (state dicts). A generator registered for several kinds appears under
each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

Generator = Callable[[np.random.Generator, Path, Path], str]

#: kind -> generator name -> generator
GENERATORS: dict[str, dict[str, Generator]] = {}

KINDS = ("nir", "net", "snnir", "snnc", "npz", "toml", "py", "pt")


def generator(*kinds: str, name: str | None = None) -> Callable[[Generator], Generator]:
    """Register ``fn`` for ``kinds`` under ``name`` (default: the function's name)."""

    def register(fn: Generator) -> Generator:
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown file kind {kind!r}")
            GENERATORS.setdefault(kind, {})[name or fn.__name__.lstrip("_")] = fn
        return fn

    return register


def generators_for(kind: str) -> dict[str, Generator]:
    """Every generator of ``kind`` (importing the modules that register them)."""
    from snncompile.testing.fuzz import (  # noqa: F401  (registration on import)
        archives,
        bytelevel,
        factories,
        hdf5,
        inputs,
        texts,
    )

    return GENERATORS[kind]

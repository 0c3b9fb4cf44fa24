"""NIR import and export (nir 1.0.8). Conventions and defaults: docs/nir.md.

- :func:`read_nir` — a ``.nir`` file or ``nir.NIRGraph`` -> validated IR ``Graph``
- :func:`to_nir` / :func:`write_nir` — IR ``Graph`` -> ``nir.NIRGraph`` / file
- :data:`READERS` / :data:`WRITERS` — the per-node-type codecs (:mod:`.codecs`)

Importing this package does not import ``nir`` (nor h5py): the names below load their
module on first use, so the command line can read :mod:`.semantics` (its option
defaults) without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from snncompile.interop.nir.codecs import READERS, WRITERS
    from snncompile.interop.nir.read import from_nir, read_nir
    from snncompile.interop.nir.semantics import DEFAULTS, DISCRETIZATIONS
    from snncompile.interop.nir.write import to_nir, write_nir

#: exported name -> the module that defines it
_EXPORTS = {
    "READERS": "codecs", "WRITERS": "codecs", "from_nir": "read", "read_nir": "read",
    "DEFAULTS": "semantics", "DISCRETIZATIONS": "semantics", "to_nir": "write", "write_nir": "write",
}

__all__ = ["read_nir", "from_nir", "to_nir", "write_nir", "READERS", "WRITERS", "DEFAULTS", "DISCRETIZATIONS"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

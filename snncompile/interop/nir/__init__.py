"""NIR import and export (nir 1.0.8). Conventions and defaults: docs/nir.md.

- :func:`read_nir` — a ``.nir`` file or ``nir.NIRGraph`` -> validated IR ``Graph``
- :func:`to_nir` / :func:`write_nir` — IR ``Graph`` -> ``nir.NIRGraph`` / file
- :data:`READERS` / :data:`WRITERS` — the per-node-type codecs (:mod:`.codecs`)
"""

from snncompile.interop.nir.codecs import READERS, WRITERS
from snncompile.interop.nir.read import from_nir, read_nir
from snncompile.interop.nir.semantics import DEFAULTS, DISCRETIZATIONS
from snncompile.interop.nir.write import to_nir, write_nir

__all__ = ["read_nir", "from_nir", "to_nir", "write_nir", "READERS", "WRITERS", "DEFAULTS", "DISCRETIZATIONS"]

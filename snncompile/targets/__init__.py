"""Target descriptors as data: chips, MCUs and energy methods read from TOML files.

    >>> from snncompile.targets import load_target
    >>> t = load_target("loihi2")
    >>> t.limit("cores").value, t.limit("cores").provenance
    (128, 'specified')

See `schema.py` for sections, keys and units; `figure.py` for provenance flags.
"""

from snncompile.targets.errors import TargetError, Violation
from snncompile.targets.figure import ENERGY_PROVENANCES, PROVENANCES, Figure
from snncompile.targets.loader import DEFAULT_HOST, builtin_dir, list_targets, load_all, load_target
from snncompile.targets.model import Benchmark, Features, Target
from snncompile.targets.validate import validate_document

__all__ = [
    "DEFAULT_HOST", "ENERGY_PROVENANCES", "PROVENANCES", "Benchmark", "Features", "Figure", "Target",
    "TargetError", "Violation", "builtin_dir", "list_targets", "load_all", "load_target",
    "validate_document",
]

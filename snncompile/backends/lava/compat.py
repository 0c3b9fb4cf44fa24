"""Make lava-nc 0.10.0 importable on Python 3.11 without touching site-packages.

Lava declares Python < 3.11 only because of one dataclass: in
``lava/magma/compiler/var_model.py`` an instance of the mutable dataclass ``ByteEncoder``
is used as a field default, which Python 3.11 rejects ("mutable default ... use
default_factory"). Making ``ByteEncoder`` frozen (hashable) is enough. We install an import
hook that rewrites that one line of source when the module is loaded; nothing on disk
changes.

Importing Lava also sets the multiprocessing start method to fork, globally, with
``mp.set_start_method('fork')``, which raises "context has already been set" when anything
in the process fixed the start method first (calling ``multiprocessing.get_start_method()``
is enough). Lava needs fork either way, so the hook makes that call ``force=True``: the
same outcome Lava gets in a fresh process, whatever was imported before it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

from snncompile.errors import UnsupportedError

#: module -> (source text, replacement), applied once when the module is imported
PATCHES = {
    "lava.magma.compiler.var_model": (
        "@dataclass\nclass ByteEncoder:",
        "@dataclass(frozen=True)\nclass ByteEncoder:",
    ),
    "lava.magma.runtime.message_infrastructure.multiprocessing": (
        "mp.set_start_method('fork')",
        "mp.set_start_method('fork', force=True)",
    ),
}

INSTALL_HINT = (
    "Lava is not installed: run `make test` or `pip install --no-deps --ignore-requires-python "
    "lava-nc==0.10.0` plus scipy<2 scikit-learn asteval<0.10"
)


class _PatchingLoader(importlib.machinery.SourceFileLoader):
    """Loads a module of :data:`PATCHES` from its file with its one patch applied."""

    def source_to_code(self, data, path, *, _optimize=-1):  # type: ignore[override]
        source = importlib.util.decode_source(data) if isinstance(data, bytes) else data
        original, replacement = PATCHES[self.name]
        if original in source:
            source = source.replace(original, replacement, 1)
        return compile(source, path, "exec", dont_inherit=True, optimize=_optimize)

    def get_code(self, fullname):  # never use the cached bytecode of the unpatched file
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


class _VarModelFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in PATCHES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            return spec
        loader = _PatchingLoader(fullname, spec.origin)
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=loader)


def install_import_hook() -> None:
    """Idempotently put the patching finder first on ``sys.meta_path``."""
    if not any(isinstance(f, _VarModelFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _VarModelFinder())


def lava_available() -> bool:
    return importlib.util.find_spec("lava") is not None and importlib.util.find_spec("lava.magma") is not None


def ensure_lava() -> ModuleType:
    """Import Lava (with the Python 3.11 fix) or raise UnsupportedError saying how to install it."""
    try:
        available = lava_available()
    except (ImportError, ValueError):
        available = False
    if not available:
        raise UnsupportedError(INSTALL_HINT)
    install_import_hook()
    try:
        import lava.magma.compiler.var_model  # noqa: F401
        import lava.magma.core.run_configs  # noqa: F401
    except ImportError as exc:
        raise UnsupportedError(f"{INSTALL_HINT} (import failed: {exc})") from None
    import lava

    return lava

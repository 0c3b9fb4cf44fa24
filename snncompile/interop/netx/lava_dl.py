"""Make lava-dl 0.6.0 (SLAYER, netx) importable here without touching site-packages.

lava-dl declares Python < 3.11 and pins torch 2.3 / torchvision 0.18; it is installed
with ``--no-deps --ignore-requires-python`` (see ``requirements/lava-dl.txt``). On
Python 3.11 with torch 2.13 exactly one thing stops ``import lava.lib.dl.slayer`` (and
so ``lava.lib.dl.netx``, whose import chain goes through SLAYER): the last line of
``lava/lib/dl/slayer/__init__.py``, ``from . import object_detection as obd``, imports the
YOLO object-detection package, which imports ``cv2`` and ``torchvision`` at import time.
No CPU build of torchvision exists for torch 2.13 here, and nothing that netx, SLAYER's
neurons, synapses, blocks or ``export_hdf5`` do uses that package.

:func:`ensure_lava_dl` therefore installs, once, an import hook that answers the import
of ``lava.lib.dl.slayer.object_detection`` (and its submodules) with an empty stub
module whose every attribute access raises ImportError saying why; all other lava-dl
modules load from their files unchanged. Lava itself gets its own 3.11 fix first
(:func:`snncompile.backends.lava.compat.ensure_lava`).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

from snncompile.backends.lava.compat import ensure_lava
from snncompile.errors import UnsupportedError

#: the one lava-dl package replaced by a stub (needs torchvision and cv2)
STUBBED = "lava.lib.dl.slayer.object_detection"

INSTALL_HINT = (
    "lava-dl is not installed: run `make env` or `pip install -r requirements/lava-dl.txt` and "
    "`pip install --no-deps --ignore-requires-python lava-dl==0.6.0`"
)


class _StubModule(ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(
            f"{self.__name__}.{name}: SLAYER's object-detection package is not available in snncompile's "
            "environment (it needs torchvision and cv2; snncompile stubs it so that SLAYER and netx import)"
        )


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so that submodule imports also reach the finder
        return module

    def exec_module(self, module) -> None:
        return None


class _StubFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname == STUBBED or fullname.startswith(STUBBED + "."):
            return importlib.machinery.ModuleSpec(fullname, _StubLoader(), is_package=True)
        return None


def install_import_hook() -> None:
    """Idempotently put the stub finder first on ``sys.meta_path``."""
    if not any(isinstance(f, _StubFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _StubFinder())


def lava_dl_available() -> bool:
    try:
        return importlib.util.find_spec("lava") is not None and importlib.util.find_spec("lava.lib.dl") is not None
    except (ImportError, ValueError):
        return False


def ensure_lava_dl() -> ModuleType:
    """Import ``lava.lib.dl`` (SLAYER and netx) or raise UnsupportedError saying how to
    install it. Returns the ``lava.lib.dl`` package."""
    ensure_lava()
    if not lava_dl_available():
        raise UnsupportedError(INSTALL_HINT)
    install_import_hook()
    try:
        import lava.lib.dl.netx  # noqa: F401
        import lava.lib.dl.slayer  # noqa: F401
    except ImportError as exc:
        raise UnsupportedError(f"{INSTALL_HINT} (import failed: {exc})") from None
    import lava.lib.dl

    return lava.lib.dl

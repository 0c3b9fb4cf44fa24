"""Import SynSense's Xylo simulator the way Rockpool drives it, without samna.

``xylosim`` (SynSense's C++ XyloSim, built from its PyPI source) is the bit-exact model
of the Xylo core; Rockpool 3.1.0 wraps its ``v2`` layer as
``rockpool.devices.xylo.syns61201.XyloSim`` (Xylo Audio 2). Importing that module
imports the package ``rockpool.devices.xylo``, whose ``__init__`` imports every Xylo
generation, and ``rockpool.devices.xylo.syns65302`` (Xylo Audio 3) imports ``samna``
(SynSense's closed device driver) outside any ``try``: without samna nothing under
``rockpool.devices.xylo`` imports. Nothing of Xylo Audio 2's simulator needs samna.

:func:`ensure_xylosim` therefore installs, once, an import hook that answers the import
of ``rockpool.devices.xylo.syns65302`` (and its submodules) with an empty stub whose
every attribute access raises ImportError saying why; everything else loads from its
files unchanged (the same approach as :mod:`snncompile.interop.netx.lava_dl`).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

from snncompile.errors import UnsupportedError

#: the one Rockpool package replaced by a stub (it imports samna unconditionally)
STUBBED = "rockpool.devices.xylo.syns65302"

INSTALL_HINT = ("the xylosim backend needs SynSense's simulator and Rockpool: run `make env` "
                "(or `pip install -r requirements/xylo.txt` and `pip install --no-deps rockpool==3.1.0`)")


class _StubModule(ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(f"{self.__name__}.{name}: Rockpool's Xylo Audio 3 package needs samna, which snncompile "
                          "does not install (it stubs the package so that Xylo Audio 2's XyloSim imports)")


class _StubLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so that submodule imports also reach the finder
        return module

    def exec_module(self, module: ModuleType) -> None:
        return None


class _StubFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == STUBBED or fullname.startswith(STUBBED + "."):
            return importlib.machinery.ModuleSpec(fullname, _StubLoader(), is_package=True)
        return None


def _samna_available() -> bool:
    try:
        return importlib.util.find_spec("samna") is not None
    except (ImportError, ValueError):
        return False


def ensure_xylosim() -> Any:
    """Rockpool's Xylo Audio 2 ``XyloSim`` class (backed by ``xylosim.v2``), or an
    UnsupportedError saying how to install it."""
    for package in ("xylosim", "rockpool"):
        if importlib.util.find_spec(package) is None:
            raise UnsupportedError(f"{INSTALL_HINT} ({package} is not installed)")
    if not _samna_available() and not any(isinstance(f, _StubFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _StubFinder())
    try:
        from rockpool.devices.xylo.syns61201.xylo_sim import XyloSim
    except ImportError as exc:
        raise UnsupportedError(f"{INSTALL_HINT} (import failed: {exc})") from None
    return XyloSim

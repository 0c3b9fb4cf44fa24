"""Executors of the IR. ``reference`` defines the meaning; others register in BACKENDS.

A backend is ``run(graph, inputs, steps=None, record=None, membranes=None, progress=False)
-> SimResult``. Optional backends live in their own packages and register themselves
when imported; :func:`get_backend` imports them on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from snncompile.errors import UnsupportedError
from snncompile.simulate import host_kernels  # noqa: F401  (registers the host kernels)
from snncompile.simulate.reference import simulate
from snncompile.simulate.result import SimResult, accuracy, classify

#: backend name -> run function (see module docstring)
BACKENDS: dict[str, Callable[..., SimResult]] = {"reference": simulate}

#: backend name -> module that registers it on import
BACKEND_MODULES: dict[str, str] = {
    "emulator": "snncompile.emulator",
    "lava": "snncompile.backends.lava",
    "onnx": "snncompile.backends.onnx",
}


def get_backend(name: str) -> Callable[..., SimResult]:
    """The run function of backend ``name``, importing its package if needed."""
    if name not in BACKENDS and name in BACKEND_MODULES:
        try:
            importlib.import_module(BACKEND_MODULES[name])
        except ModuleNotFoundError as exc:
            raise UnsupportedError(f"backend '{name}' is not available: {exc}") from None
    if name not in BACKENDS:
        known = sorted(set(BACKENDS) | set(BACKEND_MODULES))
        raise UnsupportedError(f"unknown backend '{name}'; known backends: {', '.join(known)}")
    return BACKENDS[name]


__all__ = ["BACKENDS", "BACKEND_MODULES", "SimResult", "accuracy", "classify", "get_backend", "simulate"]

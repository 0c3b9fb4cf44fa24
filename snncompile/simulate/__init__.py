"""Executors of the IR behind one interface (:mod:`snncompile.simulate.backend`).
``reference`` defines the meaning; others register in BACKENDS when imported
(:func:`get_backend` imports optional ones on first use).

Importing this package does not import torch: the reference simulator (``simulate``)
and its kernels load on first use, so a compiled graph can run on the emulator without
it."""

from __future__ import annotations

from typing import Any

from snncompile.simulate.backend import (
    BACKEND_MODULES,
    BACKENDS,
    Backend,
    BackendFailed,
    GraphKind,
    RunInputs,
    backend_names,
    get_backend,
    graph_for,
    normalize_inputs,
    register_backend,
    resolve_record,
)
from snncompile.simulate.readout import DEFAULT_READOUT, READOUTS, Readout, get_readout
from snncompile.simulate.result import SimResult, accuracy, classify

__all__ = ["BACKENDS", "BACKEND_MODULES", "Backend", "BackendFailed", "DEFAULT_READOUT", "GraphKind", "READOUTS",
           "Readout", "RunInputs", "SimResult", "accuracy", "backend_names", "classify", "get_backend", "get_readout",
           "graph_for", "normalize_inputs", "register_backend", "resolve_record", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "simulate":  # the torch reference simulator, imported on first use
        from snncompile.simulate.reference import simulate

        return simulate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

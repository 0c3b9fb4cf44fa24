"""Executors of the IR behind one interface (:mod:`snncompile.simulate.backend`).
``reference`` defines the meaning; others register in BACKENDS when imported
(:func:`get_backend` imports optional ones on first use)."""

from __future__ import annotations

from snncompile.simulate import host_kernels  # noqa: F401  (registers the host kernels)
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
from snncompile.simulate.reference import simulate
from snncompile.simulate.result import SimResult, accuracy, classify

__all__ = ["BACKENDS", "BACKEND_MODULES", "Backend", "BackendFailed", "GraphKind", "RunInputs", "SimResult", "accuracy",
           "backend_names", "classify", "get_backend", "graph_for", "normalize_inputs", "register_backend",
           "resolve_record", "simulate"]

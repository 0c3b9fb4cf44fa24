"""Executors of the IR. ``reference`` defines the meaning; others register in BACKENDS."""

from collections.abc import Callable

from snncompile.simulate.reference import simulate
from snncompile.simulate.result import SimResult, accuracy, classify

#: backend name -> run(graph, inputs, steps=None, record=None, membranes=None, progress=False)
BACKENDS: dict[str, Callable[..., SimResult]] = {"reference": simulate}

__all__ = ["BACKENDS", "SimResult", "accuracy", "classify", "simulate"]

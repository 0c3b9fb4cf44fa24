"""Lava backend (registered as ``lava``): fixed graphs on Lava's bit-accurate CPU models.

Lava itself is imported only when a graph is run (see :mod:`.compat`)."""

from snncompile.backends.lava.run import LATENCY, run_lava
from snncompile.simulate import BACKENDS

BACKENDS["lava"] = run_lava

__all__ = ["LATENCY", "run_lava"]

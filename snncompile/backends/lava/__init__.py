"""Lava backend (registered as ``lava``): compiled graphs on Lava's bit-accurate CPU
models. Lava itself is imported only when a graph is run (see :mod:`.compat`)."""

from snncompile.backends.lava.run import LATENCY, LAVA, LavaBackend, run_lava

__all__ = ["LATENCY", "LAVA", "LavaBackend", "run_lava"]

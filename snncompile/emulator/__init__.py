"""Bit-exact, event-driven integer emulator of fixed graphs (registered as backend
``emulator``). See :mod:`snncompile.emulator.run`."""

from snncompile.emulator.run import EmulatorResult, emulate
from snncompile.simulate import BACKENDS

BACKENDS["emulator"] = emulate

__all__ = ["EmulatorResult", "emulate"]

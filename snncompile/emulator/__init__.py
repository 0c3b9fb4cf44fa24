"""Bit-exact, event-driven integer emulator of compiled graphs (registered as backend
``emulator``). See :mod:`snncompile.emulator.run`."""

from snncompile.emulator.run import EMULATOR, EmulatorBackend, emulate

__all__ = ["EMULATOR", "EmulatorBackend", "emulate"]

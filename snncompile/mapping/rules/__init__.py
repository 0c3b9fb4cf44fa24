"""Mapping rules: small functions ``rule(ctx) -> list[Violation]``, all run every time.

A rule whose limit the target does not give returns nothing. Every rule returns every
violation it finds. Rules live by theme: :mod:`.capacity` (cores, memory, fan-in/out,
chip-level counts), :mod:`.features` (neuron model, reset, bias, recurrence, delays,
weight bits), :mod:`.speck` (DYNAP-CNN layers and memories).
"""

from snncompile.mapping.rules import capacity, features, speck  # noqa: F401  (registers the rules)
from snncompile.mapping.rules.base import RULES, Context, check, rule

__all__ = ["RULES", "Context", "check", "rule"]

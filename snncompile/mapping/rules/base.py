"""The rule context and registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from snncompile.ir import Graph
from snncompile.mapping.layers import Layer
from snncompile.mapping.place import Core, CoreLimits
from snncompile.mapping.violation import Violation
from snncompile.targets import Target


@dataclass(frozen=True)
class Context:
    graph: Graph
    target: Target
    layers: tuple[Layer, ...]
    cores: tuple[Core, ...]
    limits: CoreLimits
    weight_bits: int
    state_bits: int
    weight_bits_given: bool  # False: weight_bits is the target's own (float graph)

    def limit(self, key: str) -> int | None:
        v = self.target.number("limits", key)
        return None if v is None else int(v)


Rule = Callable[[Context], list[Violation]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def check(ctx: Context) -> list[Violation]:
    return [v for r in RULES for v in r(ctx)]

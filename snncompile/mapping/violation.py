"""A mapping rule's finding, and the error that carries all of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from snncompile.errors import SnnCompileError


@dataclass(frozen=True)
class Violation:
    """``rule`` failed at ``node``: ``actual`` exceeds or breaks ``limit``; ``hint`` says
    what to change."""

    rule: str
    node: str
    actual: str
    limit: str
    hint: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


COLUMNS = ("rule", "node", "actual", "limit", "hint")


def violations_table(violations: list[Violation] | tuple[Violation, ...]) -> str:
    """Aligned text table, one violation per row."""
    rows = [COLUMNS] + [tuple(str(getattr(v, c)) for c in COLUMNS) for v in violations]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def violations_line(violations: list[Violation] | tuple[Violation, ...]) -> str:
    """Every violation on one line: ``rule at node: actual (limit limit; hint)``."""
    return "; ".join(f"{v.rule} at {v.node}: {v.actual} (limit {v.limit}; {v.hint})" for v in violations)


class MappingError(SnnCompileError):
    """The network does not fit the target. ``violations`` holds every broken rule; the
    message is a table (``compact=False``) or one line (``compact=True``, the CLI's form),
    followed by ``context`` (e.g. which nodes were left out of the mapping and why)."""

    def __init__(self, target: str, violations: list[Violation] | tuple[Violation, ...], compact: bool = False,
                 context: str = ""):
        self.target = target
        self.violations = tuple(violations)
        n = len(self.violations)
        head = f"network does not fit {target}: {n} violation{'s' if n != 1 else ''}"
        body = violations_line(self.violations) if compact else violations_table(self.violations)
        tail = f" ({context})" if context and compact else f"\n{context}" if context else ""
        super().__init__((f"{head}: {body}" if compact else f"{head}\n{body}") + tail)

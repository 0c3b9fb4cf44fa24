"""Errors raised for target files: every problem of a file is reported at once."""

from __future__ import annotations

from dataclasses import dataclass

from snncompile.errors import SnnCompileError


@dataclass(frozen=True)
class Violation:
    """One schema problem: which file, which key, what was expected and found."""

    file: str
    path: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.path or '<top>'}: expected {self.expected}; found {self.found}"


class TargetError(SnnCompileError, ValueError):
    """A target could not be loaded. `violations` lists every problem found.

    The message is meant for users: a head line naming the file and the count, then
    one "- key.path: expected ...; found ..." item per violation. Collapsed to one line
    by the CLI it still reads as a list.
    """

    def __init__(self, violations: list[Violation] | tuple[Violation, ...],
                 summary: str = "") -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        self.summary = summary
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.violations:
            return self.summary or "invalid target"
        files = sorted({v.file for v in self.violations})
        n = len(self.violations)
        head = self.summary or f"{', '.join(files)}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([f"{head}:", *(f"  - {v}" for v in self.violations)])

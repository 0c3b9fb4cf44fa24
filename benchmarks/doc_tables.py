"""Benchmark tables written into the docs by the benchmark that measured them.

A doc holds ``<!-- bench:NAME:begin -->`` ... ``<!-- bench:NAME:end -->``; ``NAME`` is
the benchmark module (``benchmarks.NAME``) that owns the block. Run with ``--write-docs``
(``make bench`` does), a benchmark replaces its block with the table it just measured,
the date, the machine's load average and the command, so a figure in the docs is never
typed by hand and always says when and how it was measured. ``tests/benchmarks`` checks
that every block names a benchmark that writes it.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

from snncompile.fileio import atomic_path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"<!-- bench:([\w]+):begin -->\n.*?<!-- bench:\1:end -->", re.S)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def blocks(text: str) -> list[str]:
    """The benchmark names of a doc's blocks."""
    return [m.group(1) for m in BLOCK.finditer(text)]


def write_block(doc: str, name: str, table: str, command: str) -> None:
    """Replace block ``name`` of ``docs/<doc>`` with ``table`` and how it was measured."""
    path = ROOT / "docs" / doc
    text = path.read_text()
    if name not in blocks(text):
        raise SystemExit(f"{path}: no <!-- bench:{name}:begin --> ... end block to write")
    stamp = (f"Measured {datetime.date.today().isoformat()} by `{command}`, load average "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    body = f"<!-- bench:{name}:begin -->\n{table}\n\n{stamp}\n<!-- bench:{name}:end -->"
    new = BLOCK.sub(lambda m: body if m.group(1) == name else m.group(0), text)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(new)
    print(f"wrote the {name} table into {path.relative_to(ROOT)}")


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def report_table(report: dict) -> str:
    """A benchmark's report (``{section: {quantity: value}}``, what
    ``benchmarks.timing.print_report`` prints) as one markdown table."""
    rows = [[section, key, _value(value)] for section, values in report.items() for key, value in values.items()]
    return markdown_table(["run", "quantity", "value"], rows)

"""Every benchmark table in docs/ is written by the benchmark it names (never typed): the
block's benchmark exists, takes ``--write-docs``, writes that block, and ``make bench``
passes it the flag."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _doc_tables():
    spec = importlib.util.spec_from_file_location("doc_tables", ROOT / "benchmarks" / "doc_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BLOCKS = [(doc.name, name) for doc in sorted((ROOT / "docs").glob("*.md")) for name in _doc_tables().blocks(doc.read_text())]


def test_some_doc_tables_are_written_by_benchmarks():
    assert BLOCKS


@pytest.mark.parametrize(("doc", "name"), BLOCKS)
def test_block_is_written_by_its_benchmark(doc, name):
    source = (ROOT / "benchmarks" / f"{name}.py").read_text()
    assert "--write-docs" in source
    assert re.search(rf'write_block\("{re.escape(doc)}", "{name}"', source), f"benchmarks/{name}.py does not write {doc}"
    main = (ROOT / "benchmarks" / "__main__.py").read_text()
    assert f'"benchmarks.{name}"' in main.split("WRITES_DOCS")[1].split("\n")[0]
    text = (ROOT / "docs" / doc).read_text()
    assert f"by `python -m benchmarks.{name}" in text.split(f"bench:{name}:begin")[1], "never measured"


def test_a_block_without_its_benchmark_is_refused(tmp_path, monkeypatch):
    module = _doc_tables()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("text\n")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match="no <!-- bench:other:begin"):
        module.write_block("x.md", "other", "| a |", "cmd")


def test_write_block_replaces_only_its_block(tmp_path, monkeypatch):
    module = _doc_tables()
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "x.md"
    doc.write_text("a\n<!-- bench:one:begin -->\nold\n<!-- bench:one:end -->\nb\n"
                   "<!-- bench:two:begin -->\nkeep\n<!-- bench:two:end -->\n")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    module.write_block("x.md", "one", "| new |", "python -m benchmarks.one")
    text = doc.read_text()
    assert "old" not in text and "| new |" in text and "keep" in text and text.startswith("a\n")
    assert "by `python -m benchmarks.one`" in text

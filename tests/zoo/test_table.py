"""The seed table: docs/zoo.md holds exactly what ``snncompile zoo --table`` prints, every
registered zoo network has a measured row, and the stored measurements reproduce."""

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("spikingjelly")
pytest.importorskip("braincog")
pytestmark = pytest.mark.frameworks

from snncompile.cli.main import main  # noqa: E402
from snncompile.zoo import table  # noqa: E402
from snncompile.zoo.models import ZOO  # noqa: E402

DOCS = Path(__file__).parents[2] / "docs" / "zoo.md"


def cli(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def result():
    from snncompile.cli import cmd_zoo

    parser = argparse.ArgumentParser()
    cmd_zoo.add_arguments(parser)
    return cmd_zoo.run(parser.parse_args(["--table"]))


def test_docs_zoo_md_is_what_the_command_produces(result):
    assert table.table_in(DOCS) == result["table"], "docs/zoo.md is out of date: snncompile zoo --table --write docs/zoo.md"


def test_every_registered_network_has_a_measured_row(result):
    assert result["stale"] == [], "measure them: snncompile zoo --measure NAME (then --table --write docs/zoo.md)"
    rows = result["table"].splitlines()[2:]
    assert len(rows) == len(ZOO)
    for name, row in zip(ZOO, rows):
        assert f"(`zoo:{name}`)" in row and "not measured" not in row
    assert {ZOO[n].row.issue for n in ZOO} >= {7, 8}


def test_write_replaces_only_the_table(capsys, tmp_path):
    doc = tmp_path / "zoo.md"
    shutil.copy(DOCS, doc)
    text = DOCS.read_text()
    start, end = table.section(text)
    doc.write_text(text[:start] + "| stale |\n" + text[end:])
    code, out = cli(capsys, "zoo", "--table", "--write", doc)
    assert code == 0 and out.rstrip().endswith(f"updated: {doc}")
    assert doc.read_text() == text
    code, out = cli(capsys, "zoo", "--table", "--write", doc)
    assert out.rstrip().endswith(f"unchanged: {doc}")


def test_a_regression_is_scored_from_its_warmup_beside_its_baseline():
    from snncompile.simulate.readout import get_readout

    target = np.zeros((1, 4, 1))
    # steps 0 and 1 (the warmup) not scored: sqrt((3**2 + 4**2) / 2)
    assert get_readout("rmse").score(np.array([[[9.0], [9.0], [3.0], [4.0]]]), target, warmup=2) == pytest.approx(
        np.sqrt(12.5))
    stored = table.load_measurements()["tcn"]["measured"]
    cell = table._measured_cells(stored)[2]
    base = stored["score"]["baseline"]
    assert base["name"] == "persistence" and f"persistence {base['score']:.4f} (n = 44)" in cell
    assert stored["score"]["float"] < base["score"]  # the forecaster beats persistence
    assert "persistence" not in table._measured_cells(table.load_measurements()["delays"]["measured"])[2]


def test_a_stale_measurement_shows_no_numbers():
    stored = table.load_measurements()
    name = "backeisnn-plain"
    fresh = table.render(stored, [name])
    changed = {name: {**stored[name], "fingerprint": "0" * 64}}
    old = table.render(changed, [name])
    assert "not measured" in old and "not measured" not in fresh
    assert table.stale(changed, [name]) == [name]


def test_stored_measurement_reproduces(capsys, tmp_path):
    """--check measures again (here the plain BackEISNN: all on chip, 450 samples) and
    compares with the stored record; a changed stored number is reported and exits 1."""
    code, out = cli(capsys, "zoo", "--measure", "backeisnn-plain", "--check")
    assert code == 0, out
    assert "backeisnn-plain: reproduces the stored measurement" in out
    doc = json.loads(table.MEASUREMENTS.read_text())
    doc["rows"]["backeisnn-plain"]["measured"]["compiled"]["score"] += 0.5
    edited = tmp_path / "m.json"
    edited.write_text(json.dumps(doc))
    code, out = cli(capsys, "zoo", "--measure", "backeisnn-plain", "--check", "--measurements", edited)
    assert code == 1 and "compiled.score: stored" in out


def test_differences_compare_numbers_with_a_tolerance():
    assert table.differences({"a": 1.0, "b": {"c": [1, 2]}}, {"a": 1.0 + 1e-9, "b": {"c": [1, 2]}}) == []
    assert table.differences({"a": 1.0}, {"a": 1.1}) == ["a: stored 1.0, now 1.1"]
    assert table.differences({"a": 1.0}, {}) == ["a: stored 1.0, now None"]
    assert table.differences({"a": None}, {"a": 0.0}) == ["a: stored None, now 0.0"]

"""Rows for `snncompile targets`: every figure appears once with its provenance."""

from __future__ import annotations

import json

import pytest

from snncompile.targets import list_targets, load_target
from snncompile.targets.render import (
    SUMMARY_COLUMNS,
    format_value,
    schema_table,
    target_table,
    targets_summary,
)


@pytest.mark.parametrize("name", ["loihi", "xylo-audio2", "paper-45nm", "cortex-m7"])
def test_table_has_one_row_per_figure_feature_and_gap(name):
    target = load_target(name)
    rows = target_table(target)
    json.dumps(rows)  # --json must work on the raw rows
    keys = [(r["section"], r["key"]) for r in rows]
    assert len(keys) == len(set(keys))
    n_figures = sum(len(target.section(s)) for s in
                    ("timing", "limits", "energy", "cycles", "fixed_point"))
    n_bench = sum(len(b.figures) for b in target.benchmarks.values())
    missing = [r for r in rows if r["provenance"] == "missing"]
    assert len(missing) == len(target.gaps)
    assert all(r["value"] is None and r["note"] for r in missing)
    figure_rows = [r for r in rows if r["section"] != "features" and r["key"] != "execution"
                   and r["provenance"] != "missing"]
    assert len(figure_rows) == n_figures + n_bench


def test_table_row_keeps_raw_si_value_unit_and_source():
    rows = {(r["section"], r["key"]): r for r in target_table(load_target("loihi"))}
    synop = rows[("energy", "synop_j")]
    assert synop["value"] == pytest.approx(23.6e-12)
    assert synop["unit"] == "J" and synop["provenance"] == "simulated"
    assert "Davies" in synop["source"]
    assert rows[("timing", "barrier_s")]["range"] == [pytest.approx(113e-9),
                                                      pytest.approx(465e-9)]


def test_summary_covers_every_builtin():
    summary = targets_summary()
    assert [s["name"] for s in summary] == list_targets()
    loihi = next(s for s in summary if s["name"] == "loihi")
    assert loihi["provenance"]["simulated"] == 8
    assert set(SUMMARY_COLUMNS) <= set(loihi)
    json.dumps(summary)


@pytest.mark.parametrize("value, unit, text", [
    (23.6e-12, "J", "23.6 pJ"), (0.679, "W", "679 mW"), (1e-3, "s", "1 ms"),
    (80e6, "Hz", "80 MHz"), (131072, "B", "131,072 B"), (128, "count", "128"),
    (None, "J", "-"), ((1, 2, 4), "count", "[1, 2, 4]"),
    ((16384, 65536), "count", "[16384, 65536]"), (("lif", "if"), "", "[lif, if]"), (24, "bits", "24 bits"),
    (True, "", "True"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_schema_table_lists_every_key_used_by_builtins():
    known = {(r["section"], r["key"]) for r in schema_table()}
    for name in list_targets():
        for row in target_table(load_target(name)):
            if not row["section"].startswith("benchmarks") and row["key"] != "execution":
                assert (row["section"], row["key"]) in known
    energy_units = {r["unit"] for r in schema_table() if r["section"] == "energy"}
    assert energy_units == {"J", "W"}

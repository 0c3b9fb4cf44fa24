"""Targets as rows for `snncompile targets [NAME] [--json]`: data first, text second.

`target_table`, `targets_summary` and `schema_table` return JSON-ready lists of dicts
(raw SI values, so `--json` output is exact); `format_value` writes one value with an
SI prefix (23.6 pJ) for people. Laying rows out is the CLI's job (`cli/output.py`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from snncompile.targets import schema
from snncompile.targets.figure import Figure
from snncompile.targets.loader import list_targets, load_target
from snncompile.targets.model import Target

TABLE_COLUMNS = ("section", "key", "value", "provenance", "source", "note")
SUMMARY_COLUMNS = ("name", "kind", "execution", "figure_count", "provenance", "gaps", "description")

_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "u"),
             (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))
_SI_UNITS = {"J", "W", "s", "Hz"}


def _unit(section: str, key: str) -> str:
    keys = schema.FIGURE_SECTIONS.get(section, {})
    return keys[key].unit if key in keys else ""


def _figure_row(section: str, key: str, fig: Figure, unit: str) -> dict[str, Any]:
    row: dict[str, Any] = {"section": section, "key": key, **fig.as_dict(), "unit": unit}
    row.setdefault("note", "")
    return row


def target_table(target: Target) -> list[dict[str, Any]]:
    """Every figure, feature and gap of `target` as one row each.

    Row keys: section, key, value (SI, raw), unit, provenance, source, note, and
    range when the source gives one. Features carry provenance "specified" and the
    section's source; gaps have value None and provenance "missing".
    """
    rows: list[dict[str, Any]] = []
    if target.execution is not None:
        rows.append({"section": "timing", "key": "execution", "value": target.execution,
                     "unit": "", "provenance": "specified", "source": "", "note": ""})
    for section in schema.FIGURE_SECTIONS:
        for key, fig in target.section(section).items():
            rows.append(_figure_row(section, key, fig, _unit(section, key)))
    if target.features is not None:
        feats = target.features
        for key in schema.FEATURES:
            value = getattr(feats, key)
            if key in ("source", "note") or value is None:
                continue
            rows.append({"section": "features", "key": key,
                         "value": list(value) if isinstance(value, tuple) else value,
                         "unit": "", "provenance": "specified", "source": feats.source,
                         "note": feats.note if key == "neuron_models" else ""})
    for bench in target.benchmarks.values():
        for key, fig in bench.figures.items():
            rows.append(_figure_row(f"benchmarks.{bench.name}", key, fig,
                                    schema.benchmark_unit(key)))
    for dotted, reason in target.gaps.items():
        section, _, key = dotted.partition(".")
        rows.append({"section": section, "key": key, "value": None,
                     "unit": _unit(section, key), "provenance": "missing", "source": "",
                     "note": reason})
    return rows


def _figures_of(target: Target) -> list[Figure]:
    figs = [f for s in schema.FIGURE_SECTIONS for f in target.section(s).values()]
    figs += [f for b in target.benchmarks.values() for f in b.figures.values()]
    return figs


def target_summary(target: Target) -> dict[str, Any]:
    """One row describing a target: kind, execution, figure count by provenance."""
    figs = _figures_of(target)
    return {
        "name": target.name,
        "kind": target.kind,
        "execution": target.execution or "",
        "figure_count": len(figs),
        "provenance": dict(sorted(Counter(f.provenance for f in figs).items())),
        "gaps": len(target.gaps),
        "description": target.description,
    }


def targets_summary() -> list[dict[str, Any]]:
    """One summary row per built-in target, sorted by name."""
    return [target_summary(load_target(name)) for name in list_targets()]


def _suffix(unit: str) -> str:
    # counts read better bare: "128 cores", not "128 count"
    return f" {unit}" if unit and unit != "count" else ""


def format_value(value: Any, unit: str = "") -> str:
    """Human form of a value: SI prefix for J/W/s/Hz (23.6e-12 J -> '23.6 pJ')."""
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        # no thousands separators inside a list: "16,384, 16,384" would be ambiguous
        items = (f"{v:g}" if isinstance(v, int | float) else str(v) for v in value)
        return "[" + ", ".join(items) + "]" + _suffix(unit)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if unit in _SI_UNITS and value != 0:
        for scale, prefix in _PREFIXES:
            if abs(value) >= scale * (1 - 1e-9):
                return f"{value / scale:.4g} {prefix}{unit}"
        return f"{value:.3g} {unit}"
    text = f"{value:,}" if isinstance(value, int) else f"{value:.4g}"
    return text + _suffix(unit)


def schema_table() -> list[dict[str, Any]]:
    """Every schema key: section, key, unit, type and meaning (for `--schema`)."""
    sections = {**schema.FIGURE_SECTIONS, "features": schema.FEATURES}
    return [
        {"section": section, "key": key, "unit": spec.unit, "type": spec.kind,
         "choices": list(spec.choices), "doc": spec.doc}
        for section, keys in sections.items() for key, spec in keys.items()
    ]

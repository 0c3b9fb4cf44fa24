"""The HTML report: the estimate tables, the mapping verdicts and the pictures."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from snncompile.estimate import render as R
from snncompile.mapping.violation import COLUMNS

_STYLE = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}
img{max-width:100%;border:1px solid #eee;margin:0.5em 0}.note{color:#555;font-size:13px}"""


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return "" if v is None else str(v)


def html_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "<p class='note'>(none)</p>"
    columns = list(columns or rows[0].keys())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in columns) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def build_html(report: dict, images: Mapping[str, Path], folder: Path) -> str:
    m = report["metrics"]
    totals = [{"metric": k, "per inference": v, "per step": m["per_step"].get(k)} for k, v in m["totals"].items()]
    sections = [
        f"<h1>snncompile report: {html.escape(str(report['model']))}</h1>",
        f"<p class='note'>{m['steps']} steps x batch {m['batch']}, dt = {m['dt']:g} s; input: "
        f"{html.escape(report['input'])}. Counts are per inference (averaged over the batch). "
        "Energies marked &ge; are lower bounds: the target lacks some figures (listed below).</p>",
        "<h2>Targets side by side</h2>", html_table(R.side_by_side_rows(report), R.SIDE_BY_SIDE),
    ]
    captions = {"targets": "Energy and latency per inference per target",
                "raster": "Spike raster", "activity": "Per-layer activity",
                "energy": "Per-layer energy", "cores": "Core utilisation"}
    for name, path in images.items():
        rel = Path(path).relative_to(folder) if Path(path).is_relative_to(folder) else Path(path)
        sections.append(f"<h3>{captions.get(name, name)}</h3><img src='{html.escape(str(rel))}' alt='{name}'>")
    sections += [
        "<h2>Metrics (NeuroBench names first)</h2>", html_table(totals),
        "<h2>Per layer</h2>", html_table(R.layer_rows(report), R.LAYER_COLUMNS),
        "<h2>Energy per layer (J per inference)</h2>", html_table(*R.layer_energy_rows(report)),
        "<h2>Mapping</h2>",
    ]
    for target, p in report["mapping"].items():
        verdict = "fits" if p["fits"] else f"does not fit ({len(p['violations'])} violations)"
        sections.append(f"<h3>{html.escape(target)}: {verdict}, {p['cores_used']} cores</h3>")
        if p["violations"]:
            sections.append(html_table(p["violations"], COLUMNS))
        if p["cores"]:
            sections.append(html_table(p["cores"]))
    sections += [
        "<h2>Figures used (with provenance)</h2>",
        html_table(R.figure_rows(report), ["target", "figure", "value", "provenance", "source"]),
        "<h2>Missing figures</h2>", html_table(R.missing_rows(report)),
        "<h2>Assumptions</h2>", html_table(R.assumption_rows(report)),
    ]
    return f"<!doctype html><html><head><meta charset='utf-8'><title>snncompile report</title>" \
           f"<style>{_STYLE}</style></head><body>{''.join(sections)}</body></html>"

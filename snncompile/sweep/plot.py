"""The sweep's picture: accuracy against energy per inference and against latency per
inference, one colour per target, each point labelled with its weight bits (``s``:
split-sign, ``t``: truncating rounding), in hollow markers of one shape and size per
target so that cells with equal numbers stay visible; the Pareto front (accuracy /
energy) as a dashed line, each target's best cell as a star. Written as a PNG and as a self-contained HTML page
(the same figure as inline SVG, above the sweep's table)."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from snncompile.estimate.html import html_table  # noqa: E402
from snncompile.fileio import atomic_open, atomic_path  # noqa: E402
from snncompile.sweep.pareto import Row, evaluated  # noqa: E402

AXES = (("energy_j", "energy per inference (J)"), ("latency_s", "latency per inference (s)"))
TABLE_COLUMNS = ["cell", "target", "weight_bits", "split_sign", "rounding", "status", "accuracy", "energy_j",
                 "energy_is_lower_bound", "latency_s", "pareto", "best", "output"]


def label(row: Row) -> str:
    return f"{row['weight_bits']}{'s' if row['split_sign'] else ''}{'t' if row['rounding'] == 'trunc' else ''}"


def pareto_figure(rows: Sequence[Row], title: str = "") -> Figure:
    fig, panels = plt.subplots(1, 2, figsize=(11, 4.5))
    done = evaluated(rows)
    targets = list(dict.fromkeys(r["target"] for r in rows))
    colours = {t: plt.cm.tab10(i % 10) for i, t in enumerate(targets)}
    # hollow markers of different shapes and sizes: cells with equal numbers stay visible
    markers = {t: ("o", "s", "^", "D", "v", "P")[i % 6] for i, t in enumerate(targets)}
    sizes = {t: max(110 - 25 * i, 30) for i, t in enumerate(targets)}
    for ax, (key, name) in zip(panels, AXES):
        known = [r for r in done if r.get(key) is not None]
        for t in targets:
            mine = [r for r in known if r["target"] == t]
            ax.scatter([r[key] for r in mine], [r["accuracy"] for r in mine], marker=markers[t], s=sizes[t],
                       facecolor="none", edgecolor=colours[t], linewidth=1.6, label=t, zorder=3)
            for r in mine:
                ax.annotate(label(r), (r[key], r["accuracy"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
            best = [r for r in mine if r.get("best")]
            ax.scatter([r[key] for r in best], [r["accuracy"] for r in best], marker="*", s=sizes[t] * 2.5,
                       color=colours[t], alpha=0.6, zorder=4)
        front = sorted((r for r in known if r.get("pareto")), key=lambda r: r[key])
        if key == "energy_j" and front:
            ax.step([r[key] for r in front], [r["accuracy"] for r in front], where="post", color="0.5", lw=1,
                    ls="--", label="Pareto front", zorder=2)
        missing = len(done) - len(known)
        ax.set_xlabel(name + (f" ({missing} cell(s) unknown, not shown)" if missing else ""))
        ax.set_ylabel("accuracy")
        ax.grid(alpha=0.3)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 3))
    panels[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(title or "Sweep: accuracy against energy and latency (star: best per target)")
    fig.tight_layout()
    return fig


def write_png(fig: Figure, path: Path) -> None:
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")


def write_html(fig: Figure, rows: Sequence[Row], path: Path, heading: str, notes: Sequence[str] = ()) -> None:
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    body = svg.getvalue()
    body = body[body.index("<svg"):]  # drop the XML prologue: the SVG sits inline
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(heading)}</title>"
            "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
            "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px}"
            "th{background:#f3f3f3}</style></head><body>"
            f"<h1>{html.escape(heading)}</h1>{body}<ul>{items}</ul>"
            f"{html_table(_table_rows(rows), TABLE_COLUMNS)}</body></html>")
    with atomic_open(path) as handle:
        handle.write(page)


def _table_rows(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [{k: r.get(k) for k in TABLE_COLUMNS} for r in rows]

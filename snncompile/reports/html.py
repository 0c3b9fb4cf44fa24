"""The HTML report: ONE self-contained file (its pictures embedded as PNG ``data:`` URIs,
no link to anything outside it) with

- the run: model, steps, time base and input; the accuracy when the input has labels
  (classes decided by the readout, :mod:`snncompile.simulate.readout`; default count);
- for a compiled artifact, the quantization per layer and the error budget on the input
  (:mod:`snncompile.budget`), and which nodes run on the host and why;
- per target: energy, latency and whether it fits, and the mapping's reasons: which cores
  each layer was cut over and why, and every rule a network that does not fit breaks;
- the plots (layers labelled ``name (kind)``, axes with units; the core utilisation shows
  over-capacity as over 100 % and marks targets that do not fit).

:func:`write_html_report` writes it atomically; :func:`build_html_report` returns the text.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from snncompile.estimate import render as R
from snncompile.estimate.html import STYLE, html_table
from snncompile.fileio import atomic_path
from snncompile.mapping.violation import COLUMNS
from snncompile.simulate.readout import DEFAULT_READOUT, get_readout

if TYPE_CHECKING:
    from snncompile.budget.record import ErrorBudget
    from snncompile.estimate.run import Report
    from snncompile.partition_report import PartitionReport
    from snncompile.reports.quantization import QuantizationReport


@dataclass(frozen=True)
class CompiledSummary:
    """What a compiled artifact adds to a report: its quantization report, the error
    budget on the report's input (None without one), where its nodes run, and notes
    (e.g. why the budget could not be measured)."""

    quantization: QuantizationReport
    budget: ErrorBudget | None = None
    partition: PartitionReport | None = None
    notes: tuple[str, ...] = ()


def compiled_summary(artifact: Any, inputs: Mapping[str, np.ndarray] | None = None,
                     labels: np.ndarray | None = None, readout: str = DEFAULT_READOUT) -> CompiledSummary:
    """The :class:`CompiledSummary` of ``artifact`` (a :class:`~snncompile.compile.Artifact`),
    its error budget measured on ``inputs`` when given (classes decided by ``readout``)."""
    from snncompile.budget.artifact import artifact_budget
    from snncompile.errors import SnnCompileError

    budget, notes = None, []
    if inputs is not None:
        try:
            budget = artifact_budget(artifact, inputs, labels, readout=readout)
        except SnnCompileError as exc:
            notes.append(f"error budget not measured: {exc}")
    else:
        notes.append("error budget not measured: it needs input data")
    return CompiledSummary(artifact.report, budget, artifact.partition, tuple(notes))


def run_accuracy(report: Report, labels: np.ndarray | None, readout: str = DEFAULT_READOUT) -> float | None:
    """Accuracy of the report's run on ``labels``, each sample's class decided by
    ``readout`` (a name in :data:`~snncompile.simulate.readout.READOUTS`); None without
    labels, with several outputs or under a regression readout (no class)."""
    rule = get_readout(readout)
    outputs = report.activity.outputs
    if labels is None or len(outputs) != 1 or not rule.classifies:
        return None
    return rule.score(np.asarray(report.activity.emitted[outputs[0]]), labels)


def _p(text: str) -> str:
    return f"<p class='note'>{html.escape(text)}</p>"


def _accuracy_section(report: Report, labels: np.ndarray | None, compiled: CompiledSummary | None,
                      readout: str) -> list[str]:
    rows = []
    rule = get_readout(readout)
    run = run_accuracy(report, labels, readout)
    if run is not None:
        rows.append({"run": f"this report's run ({report.activity.backend})", "samples": len(labels),  # type: ignore[arg-type]
                     "accuracy": f"{run:.4f}"})
    if compiled is not None and compiled.budget is not None:
        runs = {"reference": "float model (reference)", "chip": "chip as compiled (emulator, aligned by lag)"}
        rows += [{"run": what, "samples": compiled.budget.samples, "accuracy": f"{compiled.budget.accuracy[k]:.4f}"}
                 for k, what in runs.items() if k in compiled.budget.accuracy]
    if not rows:
        why = ("the input has no 'labels' array" if labels is None else
               f"the readout '{rule.name}' is a regression and decides no class" if not rule.classifies else
               "the model has several outputs")
        return ["<h2>Accuracy</h2>", _p(f"not measured: {why}.")]
    return ["<h2>Accuracy</h2>", html_table(rows, ["run", "samples", "accuracy"]),
            _p(f"Accuracy: each sample's class as the readout '{rule.name}' decides it over the run "
               f"({rule.meaning}), against the labels.")]



def _quantization_section(compiled: CompiledSummary | None) -> list[str]:
    from snncompile.reports.render import budget_columns, budget_rows, budget_summary, budget_title

    if compiled is None:
        return ["<h2>Quantization and error budget</h2>",
                _p("A float model: nothing is quantized. Report a compiled artifact (snncompile compile ... "
                   "-o model.snnc) to see its quantization and error budget.")]
    q = compiled.quantization
    columns = ["layer", "scale", "vth", "du", "dv", "lag", "synapse", "w_exp", "clipped", "relative_error",
               "u_peak", "v_peak", "spike_agreement", "limited_by"]
    out = [f"<h2>Quantization for {html.escape(q.target)}</h2>", html_table(q.rows(), columns)]
    out += [_p(f"note: {n}") for n in q.notes]
    out.append("<h2>Error budget</h2>")
    if compiled.budget is not None:
        out += [_p(budget_title(compiled.budget, "on the report's input")),
                html_table(budget_rows(compiled.budget), budget_columns(compiled.budget))]
        out += [_p(line) for line in budget_summary(compiled.budget)]
    out += [_p(n) for n in compiled.notes]
    if compiled.partition is not None and compiled.partition.host_nodes:
        rows = [{"node": n, "why it runs on the host": why} for n, why in compiled.partition.host_nodes.items()]
        out += [f"<h3>On the host ({html.escape(compiled.partition.host)})</h3>", html_table(rows)]
    return out


def layer_reasons(placement: Any) -> list[dict]:
    """Why each layer is where it is on one target: the cores it was cut over and the
    per-core limit that made the cut (from the mapping's slices and limits)."""
    limits = placement.limits
    rows = []
    for layer in placement.layers:
        cores = [c.index for c in placement.cores if any(s.layer == layer.name for s in c.slices)]
        if not cores:
            why = "not placed on a core (the target has no cores, or the layer is handled chip-wide)"
        elif len(cores) == 1:
            why = "fits one core"
        elif limits.neurons and layer.neurons > limits.neurons:
            why = f"{layer.neurons} neurons > {limits.neurons} per core: cut into {len(cores)} slices"
        elif limits.fan_in and layer.fan_in > limits.fan_in:
            why = f"fan-in {layer.fan_in} > {limits.fan_in} per core"
        else:
            why = f"its synapse memory ({layer.weights * placement.weight_bits // 8} bytes) needs {len(cores)} cores"
        rows.append({"layer": layer.name, "kind": layer.kind, "neurons": layer.neurons, "fan_in": layer.fan_in,
                     "cores": ", ".join(map(str, cores)) or "-", "why": why})
    return rows


def _mapping_section(report: Report) -> list[str]:
    from snncompile.estimate.plots import utilisation_rows

    out = ["<h2>Mapping: where each layer is, and why</h2>"]
    fullest = {r["target"]: r for r in utilisation_rows(report)}
    for target, p in report.placements.items():
        u = fullest[target]
        verdict = "fits" if p.fits else f"DOES NOT FIT ({len(p.violations)} violations)"
        share = "" if u["fullest"] is None else f"; fullest resource {100 * u['fullest']:.1f} % ({u['resource']})"
        out.append(f"<h3>{html.escape(target)}: {verdict}, {len(p.cores)} cores{html.escape(share)}</h3>")
        if u["note"]:
            out.append(_p(u["note"]))
        if p.violations:
            out += [_p("Why it does not fit (the mapping rules, as 'snncompile map' reports them):"),
                    html_table([v.as_dict() for v in p.violations], COLUMNS)]
        if p.layers and (p.cores or not p.fits):
            out.append(html_table(layer_reasons(p)))
        if p.cores:
            out.append(html_table(p.core_rows()))
    return out


def build_html_report(report: Report, labels: np.ndarray | None = None, compiled: CompiledSummary | None = None,
                      figures: Mapping[str, str] | None = None, readout: str = DEFAULT_READOUT) -> str:
    """The report page (module docstring). ``figures``: name -> ``data:`` URI (default:
    :func:`snncompile.estimate.plots.embedded_figures`, which needs matplotlib);
    ``readout``: the decision rule of its accuracy (the budget's is ``compiled``'s)."""
    if figures is None:
        from snncompile.estimate.plots import embedded_figures

        figures = embedded_figures(report)
    data = report.to_dict()
    m = data["metrics"]
    totals = [{"metric": k, "per inference": v, "per step": m["per_step"].get(k)} for k, v in m["totals"].items()]
    sections = [
        f"<h1>snncompile report: {html.escape(str(report.model))}</h1>",
        _p(f"{m['steps']} steps x batch {m['batch']}, dt = {m['dt']:g} s, run on the {report.activity.backend} "
           f"backend ({report.activity.time_base or 'on the float timeline'}); input: {report.input_note}. "
           "Counts are per inference (averaged over the batch). Energies marked >= are lower bounds: the target "
           "lacks some figures (listed below)."),
        *_accuracy_section(report, labels, compiled, readout),
        *_quantization_section(compiled),
        "<h2>Targets side by side</h2>", html_table(R.side_by_side_rows(data), R.SIDE_BY_SIDE),
        *([_p(line) for line in R.unknown_energy_notes(data)]),
    ]
    captions = {"targets": "Energy and latency per inference per target", "raster": "Spike raster",
                "activity": "Per-layer activity", "energy": "Per-layer energy", "cores": "Core utilisation"}
    for name, uri in figures.items():
        if not uri.startswith("data:image/"):
            raise ValueError(f"figure '{name}' must be a data: URI (the report is one self-contained file)")
        sections.append(f"<h3>{captions.get(name, name)}</h3><img src='{uri}' alt='{html.escape(name)}'>")
    sections += [
        *_mapping_section(report),
        "<h2>Metrics (NeuroBench names first)</h2>", html_table(totals),
        "<h2>Per layer</h2>", html_table(R.layer_rows(data), R.LAYER_COLUMNS),
        "<h2>Energy per layer (J per inference)</h2>", html_table(*R.layer_energy_rows(data)),
        "<h2>Figures used (with provenance)</h2>",
        html_table(R.figure_rows(data), ["target", "figure", "value", "provenance", "source"]),
        "<h2>Missing figures</h2>", html_table(R.missing_rows(data)),
        "<h2>Assumptions</h2>", html_table(R.assumption_rows(data)),
    ]
    return f"<!doctype html><html><head><meta charset='utf-8'><title>snncompile report</title>" \
           f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>"


def write_html_report(report: Report, path: str | os.PathLike[str], labels: np.ndarray | None = None,
                      compiled: CompiledSummary | None = None, readout: str = DEFAULT_READOUT) -> Path:
    """Write :func:`build_html_report` to ``path`` atomically (a reader never sees half a
    page); returns the path."""
    text = build_html_report(report, labels, compiled, readout=readout)
    out = Path(path)
    with atomic_path(out, suffix=".html") as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return out

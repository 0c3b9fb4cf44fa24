"""Reports as text: the quantization report and the error budget (tables via
:func:`snncompile.cli.output.table`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from snncompile.budget.record import ErrorBudget
    from snncompile.reports.quantization import QuantizationReport


def render_report(report: QuantizationReport) -> str:
    from snncompile.cli.output import table

    columns = ["layer", "scale", "vth", "du", "dv", "lag", "synapse", "w_exp", "clipped", "relative_error",
               "u_peak", "v_peak", "spike_agreement", "limited_by"]
    lines = [table(report.rows(), columns, title=f"quantization for {report.target}")]
    lines += [f"note: {n}" for n in report.notes]
    if report.budget is not None:
        lines.append(render_budget(report.budget, "on the calibration input"))
    return "\n".join(lines)


def render_budget(budget: ErrorBudget, where: str = "") -> str:
    """One row per layer and output: agreement with float as compiled (``chip``), the
    rise in points with each source alone exact, and with every source exact."""
    from snncompile.cli.output import table

    lines = [table(budget_rows(budget), budget_columns(budget), title=budget_title(budget, where))]
    return "\n".join(lines + budget_summary(budget))


def budget_title(budget: ErrorBudget, where: str = "") -> str:
    return (f"error budget {where} ({budget.samples} samples, {budget.steps} steps): % agreement with float; "
            "per source, points gained with that source alone exact").replace("  ", " ")


def budget_columns(budget: ErrorBudget) -> list[str]:
    return ["layer", "kind", "chip", *budget.sources, "all exact"]


def budget_rows(budget: ErrorBudget) -> list[dict]:
    """The error budget's table: per layer and output, % agreement and points per source."""
    def row(b, kind: str) -> dict:
        out = {"layer": b.name, "kind": kind, "chip": f"{100 * b.chip:.2f}"}
        out.update({s: f"{100 * b.gains[s]:+.2f}" for s in budget.sources})
        out["all exact"] = f"{100 * b.exact:.2f}"
        return out

    return [row(b, "spikes") for b in budget.layers] + [row(b, "output") for b in budget.outputs]


def budget_summary(budget: ErrorBudget) -> list[str]:
    """The budget's verdict in lines: accuracies, the largest source and what to try."""
    lines = []
    if budget.accuracy:
        lines.append(f"accuracy (readout {budget.readout}): "
                     + ", ".join(f"{k} {v:.4f}" for k, v in budget.accuracy.items()))
    if budget.largest:
        source = budget.largest
        peak = max((*budget.layers, *budget.outputs), key=lambda b: b.gains[source])
        lines.append(f"largest source: {source} (summed over the layers; +{100 * peak.gains[source]:.2f} points "
                     f"at '{peak.name}'); try {budget.suggestion}")
    else:
        lines.append("no single source explains the difference (the sources interact)"
                     if (budget.outputs or budget.layers) and (budget.outputs or budget.layers)[-1].chip < 1
                     else "the chip agrees with float everywhere")
    return lines

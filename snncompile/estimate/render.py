"""Estimates as rows and text: data in, strings out (no printing here)."""

from __future__ import annotations

from snncompile.targets.render import format_value


def energy_text(e: dict) -> str:
    if e["energy_j"] is None:
        return "unknown"
    prefix = ">= " if e["energy_is_lower_bound"] else ""
    return prefix + format_value(e["energy_j"], "J")


def latency_text(seconds: float | None, bound: bool = False) -> str:
    if seconds is None:
        return "unknown"
    return (">= " if bound else "") + format_value(seconds, "s")


def side_by_side_rows(report: dict) -> list[dict]:
    """One row per (target, model): energy and latency per inference, mapping verdict."""
    rows = []
    for e in report["estimates"]:
        m = report["mapping"].get(e["target"])
        rows.append({
            "target": e["target"], "model": e["model"],
            "energy/inference": energy_text(e),
            "energy/step": energy_text({**e, "energy_j": e["energy_per_step_j"]}),
            "latency/inference": latency_text(e["latency_s"], e["latency_is_lower_bound"]),
            "latency/step": latency_text(e["step_latency_s"], e["latency_is_lower_bound"]),
            "cycles/step": e["cycles_per_step"],
            "fits": "-" if m is None else ("yes" if m["fits"] else f"no ({len(m['violations'])})"),
            "cores": m["cores_used"] if m and m["cores_used"] else "-",
            "missing": len(e["missing"]),
        })
    return rows


SIDE_BY_SIDE = ("target", "model", "energy/inference", "energy/step", "latency/inference", "latency/step",
                "cycles/step", "fits", "cores", "missing")


def layer_rows(report: dict) -> list[dict]:
    m = report["metrics"]
    rows = [{"layer": s["name"], "kind": s["kind"], "Effective_ACs": s["effective_acs"],
             "Effective_MACs": s["effective_macs"], "Dense": s["dense"],
             "synaptic_events": s["synaptic_events"], "fan_in": s["fan_in"], "fan_out": s["fan_out"]}
            for s in m["synapses"]]
    rows += [{"layer": n["name"], "kind": n["kind"], "neurons": n["neurons"], "spikes": n["spikes"],
              "MembraneUpdates": n["membrane_updates"], "neuron_updates": n["neuron_updates"]}
             for n in m["neurons"]]
    return rows


LAYER_COLUMNS = ("layer", "kind", "neurons", "spikes", "Effective_ACs", "Effective_MACs", "Dense",
                 "synaptic_events", "MembraneUpdates", "neuron_updates", "fan_in", "fan_out")


def layer_energy_rows(report: dict) -> tuple[list[dict], list[str]]:
    """Energy per layer (rows) under every estimate with an energy (columns), with the
    column names; "(network)" holds whole-network terms (static power, routing, FIFOs)."""
    known = [e for e in report["estimates"] if e["energy_j"] is not None]
    columns = [f"{e['target']}/{e['model']}" for e in known]
    order = [s["name"] for s in report["metrics"]["synapses"]] + [n["name"] for n in report["metrics"]["neurons"]]
    order += list(report["metrics"].get("host_ops", {}))
    layers = [n for n in order if any(n in e["energy_by_layer"] for e in known)]
    if any("(network)" in e["energy_by_layer"] for e in known):
        layers.append("(network)")
    rows = [{"layer": name, **{c: format_value(e["energy_by_layer"].get(name), "J")
                                 if name in e["energy_by_layer"] else "" for c, e in zip(columns, known)}}
            for name in layers]
    return rows, ["layer", *columns]


def figure_rows(report: dict) -> list[dict]:
    """Every target figure the estimates used, with provenance and source."""
    rows, seen = [], set()
    for e in report["estimates"]:
        for key, fig in e["figures"].items():
            if (e["target"], key) in seen:
                continue
            seen.add((e["target"], key))
            unit = "W" if key.endswith("_w") else "J" if key.endswith("_j") else \
                "s" if key.endswith("_s") else "Hz" if key.endswith("_hz") else ""
            note = fig.get("note", "")
            source = (note.split(" (")[0] + ": " if note.startswith("BORROWED") else "") + fig["source"]
            rows.append({"target": e["target"], "figure": key, "value": format_value(fig["value"], unit),
                         "provenance": fig["provenance"], "source": source})
    return rows


def missing_rows(report: dict) -> list[dict]:
    return [{"target": e["target"], "model": e["model"], "missing": m}
            for e in report["estimates"] for m in e["missing"]]


def assumption_rows(report: dict) -> list[dict]:
    seen, rows = set(), []
    for e in report["estimates"]:
        for a in e["assumptions"]:
            if (e["model"], a) not in seen:
                seen.add((e["model"], a))
                rows.append({"model": e["model"], "assumption": a})
    return rows


def unknown_energy_notes(report: dict) -> list[str]:
    """One line per estimate whose energy is unknown: the figures it lacks and the
    ``--borrow`` that fills them (donors: targets of this report with the same model
    whose energy is known)."""
    known: dict[str, list[str]] = {}
    for e in report["estimates"]:
        if e["energy_j"] is not None:
            known.setdefault(e["model"], []).append(e["target"])
    lines = []
    for e in report["estimates"]:
        if e["energy_j"] is not None:
            continue
        donors = [t for t in known.get(e["model"], []) if t != e["target"]]
        among = f" (known here for: {', '.join(donors)})" if donors else ""
        n = len(e["missing"])
        lines.append(f"energy unknown on {e['target']} ({e['model']} model, {n} figure{'s' if n != 1 else ''} "
                     f"missing, listed below): take them from a similar target with --borrow {e['target']}=DONOR"
                     f"{among}; borrowed figures are marked as such")
    return lines


def fit_rows(report: dict) -> list[dict]:
    """Why each target that does not fit does not: its mapping rules' violations."""
    return [{"target": target, **{c: v[c] for c in ("rule", "node", "actual", "limit", "hint")}}
            for target, m in report["mapping"].items() if m and not m["fits"] for v in m["violations"]]

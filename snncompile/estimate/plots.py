"""Report pictures (matplotlib, Agg backend): each function takes the report data and
returns a Figure, its layers labelled with their kind and its axes with units;
:func:`embedded_figures` gives each as a PNG ``data:`` URI for a self-contained page."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from snncompile.estimate.run import Report  # noqa: E402


def _time_unit(dt: float) -> tuple[float, str]:
    """Seconds -> a readable unit: (factor, name)."""
    return (1e3, "ms") if dt >= 1e-5 else (1e6, "us")


def spike_raster(report: Report, sample: int = 0, max_neurons: int = 200) -> Figure:
    """Spikes of every spiking neuron node for one sample; layers stacked bottom-up,
    each labelled ``name (kind)``; time in seconds' units (and steps of ``dt``)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    offset = 0
    ticks = []
    spiking = [n for n in report.metrics.neurons if n.spiking]
    colors = plt.cm.tab10(np.arange(max(len(spiking), 1)) % 10)
    dt = report.activity.dt
    factor, unit = _time_unit(dt) if dt else (1.0, "steps")
    for color, layer in zip(colors, spiking):
        out = np.asarray(report.activity.emitted[layer.name])[sample].reshape(report.activity.steps, -1)
        out = out[:, :max_neurons]
        t, i = np.nonzero(out)
        ax.scatter(t * (dt * factor if dt else 1.0), i + offset, s=2, color=color, marker="|")
        ticks.append((offset + out.shape[1] / 2, f"{layer.name} ({layer.kind})\n{layer.neurons} neurons"))
        offset += out.shape[1] + 2
        ax.axhline(offset - 1, color="0.85", lw=0.5)
    ax.set_yticks([p for p, _ in ticks], [n for _, n in ticks], fontsize=8)
    ax.set_ylim(-1, max(offset - 1, 1))
    ax.set_ylabel("neurons, layer by layer")
    ax.set_xlabel(f"time ({unit}; one step = {dt * factor:g} {unit})" if dt else "time (steps)")
    ax.set_xlim(-0.5 * dt * factor if dt else -0.5, (report.activity.steps - 0.5) * (dt * factor if dt else 1.0))
    ax.set_title(f"Spike raster, sample {sample} (first {max_neurons} neurons per layer)")
    fig.tight_layout()
    return fig


def layer_activity(report: Report) -> Figure:
    """Per-layer spikes (neuron nodes) and synaptic events / effective ACs (synapse nodes)."""
    m = report.metrics
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    names = [f"{n.name} ({n.kind})" for n in m.neurons]
    a1.bar(names, [n.spikes for n in m.neurons], color="tab:orange")
    a1.set_ylabel("spikes per inference")
    a1.set_title("Spikes per neuron layer")
    syn = [f"{s.name} ({s.kind})" for s in m.synapses]
    x = np.arange(len(syn))
    a2.bar(x - 0.2, [s.synaptic_events for s in m.synapses], 0.4, label="synaptic events (x fan-out)")
    a2.bar(x + 0.2, [s.effective_acs + s.effective_macs for s in m.synapses], 0.4,
           label="effective ops (NeuroBench)")
    a2.set_xticks(x, syn)
    a2.set_ylabel("operations per inference")
    a2.set_title("Synaptic operations per synapse layer")
    a2.legend(fontsize=8)
    for ax in (a1, a2):
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    fig.tight_layout()
    return fig


def layer_energy(report: Report) -> Figure:
    """Energy per layer under every estimate that has one (log scale)."""
    known = [e for e in report.estimates if e.energy_j]
    present = {k for e in known for k in e.energy_by_layer()}
    layers = [n for n in report.activity.emitted if n in present] + sorted(present - set(report.activity.emitted))
    fig, ax = plt.subplots(figsize=(12, 4.5))
    width = 0.8 / max(len(known), 1)
    x = np.arange(len(layers))
    for i, e in enumerate(known):
        by = e.energy_by_layer()
        ax.bar(x + i * width - 0.4 + width / 2, [by.get(k, 0.0) for k in layers], width,
               label=f"{e.target} ({e.model})" + ("" if e.complete else " >="))
    ax.set_xticks(x, layers, rotation=30, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("J per inference")
    ax.set_title("Energy per layer ('(network)': static power, routing, FIFOs)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


#: target kind -> (short label in the plot, the page's note): why it has no utilisation bar
NO_CORES = {
    "mcu": ("MCU: no cores\n(flash and RAM\ninstead)",
            "an MCU has no cores to fill: every layer runs on its CPU, from flash (weights) and RAM (states); "
            "compiling for it reports their sizes"),
}
NO_CAPACITY = ("no capacity\ngiven", "the target gives no per-core or chip-wide capacity to compare with")


def utilisation_rows(report: Report) -> list[dict]:
    """Per mapped target: the fullest resource as a fraction of its limit (per core, or
    chip-wide: cores, neurons), what it is, the verdict, and why a target shows no bar."""
    rows = []
    for name, p in report.placements.items():
        target = report.targets.get(name)
        kind = target.kind if target is not None else ""
        fractions = [(r["utilisation"], f"core {r['core']}") for r in p.core_rows() if r["utilisation"] is not None]
        if target is not None:
            fractions += [(r["utilisation"], r["resource"]) for r in p.chip_rows(target)
                          if r["utilisation"] is not None]
        peak, what = max(fractions, default=(None, ""), key=lambda f: f[0])
        label, why = NO_CORES.get(kind, NO_CAPACITY) if peak is None else ("", "")
        rows.append({"target": name, "kind": kind, "fits": p.fits, "cores": len(p.cores),
                     "fullest": None if peak is None else peak, "resource": what,
                     "violations": sorted({v.rule for v in p.violations}), "label": label, "note": why})
    return rows


def core_utilisation(report: Report) -> Figure:
    """Per target, the fullest resource in % of its limit (dots: each core); over 100 %
    is drawn as it is, and a target that does not fit is red and says so, whatever its
    utilisation; targets without cores (MCUs) say why they have no bar."""
    rows = utilisation_rows(report)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(rows) + 2), 4.5))
    top = max([100.0, *(100 * r["fullest"] for r in rows if r["fullest"] is not None)])
    for i, r in enumerate(rows):
        p = report.placements[r["target"]]
        color = "tab:blue" if r["fits"] else "tab:red"
        if r["fullest"] is not None:
            ax.bar(i, 100 * r["fullest"], 0.6, color=color, alpha=0.35, edgecolor=color)
            cores = [100 * c["utilisation"] for c in p.core_rows() if c["utilisation"] is not None]
            ax.scatter(np.full(len(cores), i), cores, s=14, color=color, zorder=3)
        n = len(report.placements[r["target"]].violations)
        verdict = "fits" if r["fits"] else f"DOES NOT FIT\n({n} violation{'s' if n != 1 else ''})"
        ax.text(i, top * 1.03, verdict, ha="center", va="bottom", fontsize=7, color=color)
        if r["label"]:
            ax.text(i, top * 0.5, r["label"], ha="center", va="center", fontsize=7, color="0.3")
    ax.axhline(100, color="red", lw=1, ls="--")
    ax.text(-0.55, 100, "capacity (100 %)", va="bottom", ha="left", fontsize=7, color="red")
    ax.set_ylim(0, top * 1.22)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_xticks(range(len(rows)), [f"{r['target']}\n{r['cores']} cores" + (f"\n({r['resource']})"
                                                                             if r["resource"] else "")
                                     for r in rows], fontsize=8)
    ax.set_ylabel("% of the tightest limit (per core or chip-wide)")
    ax.set_title("Core utilisation (bar: fullest resource; dots: cores; red: does not fit)")
    fig.tight_layout()
    return fig


def targets_side_by_side(report: Report) -> Figure:
    """Energy and latency per inference per target; hollow bars are lower bounds."""
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    labels = [f"{e.target}\n{e.model}" for e in report.estimates]
    x = np.arange(len(labels))
    for ax, values, title, unit in (
        (a1, [e.energy_j for e in report.estimates], "Energy per inference", "J"),
        (a2, [e.latency_s for e in report.estimates], "Latency per inference", "s"),
    ):
        for xi, v, e in zip(x, values, report.estimates):
            if v:
                lower = (not e.complete) if ax is a1 else e.latency_is_bound
                ax.bar(xi, v, 0.7, color="none" if lower else "tab:blue", edgecolor="tab:blue",
                       hatch="//" if lower else None)
            else:
                ax.text(xi, 0.02, "n/a", ha="center", va="bottom", fontsize=7,
                        transform=ax.get_xaxis_transform())  # x in data, y in axes units
        ax.set_yscale("log")
        ax.set_xticks(x, labels, rotation=60, fontsize=7)
        ax.set_ylabel(unit)
        ax.set_title(title + " (hatched: lower bound)")
    fig.tight_layout()
    return fig


PLOTS = {
    "raster": spike_raster,
    "activity": layer_activity,
    "energy": layer_energy,
    "cores": core_utilisation,
    "targets": targets_side_by_side,
}


def figure_data_uri(fig: Figure, dpi: int = 100) -> str:
    """``fig`` as a PNG ``data:`` URI (embedded in the page: no file beside it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def embedded_figures(report: Report) -> dict[str, str]:
    """Every plot of :data:`PLOTS` as a PNG ``data:`` URI: name -> URI."""
    return {name: figure_data_uri(fn(report)) for name, fn in PLOTS.items()}

"""Report pictures (matplotlib, Agg backend): each function takes the report data and
returns a Figure; :func:`save_all` writes them as PNGs (atomically)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from snncompile.estimate.run import Report  # noqa: E402
from snncompile.fileio import atomic_path  # noqa: E402


def spike_raster(report: Report, sample: int = 0, max_neurons: int = 200) -> Figure:
    """Spikes of every spiking neuron node for one sample; layers stacked bottom-up."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    offset = 0
    ticks = []
    spiking = [n for n in report.metrics.neurons if n.spiking]
    colors = plt.cm.tab10(np.arange(max(len(spiking), 1)) % 10)
    for color, layer in zip(colors, spiking):
        out = np.asarray(report.activity.emitted[layer.name])[sample].reshape(report.activity.steps, -1)
        out = out[:, :max_neurons]
        t, i = np.nonzero(out)
        ax.scatter(t, i + offset, s=2, color=color, marker="|")
        ticks.append((offset + out.shape[1] / 2, f"{layer.name}\n({layer.neurons})"))
        offset += out.shape[1] + 2
        ax.axhline(offset - 1, color="0.85", lw=0.5)
    ax.set_yticks([p for p, _ in ticks], [n for _, n in ticks], fontsize=8)
    ax.set_xlabel("time step")
    ax.set_xlim(-0.5, report.activity.steps - 0.5)
    ax.set_title(f"Spike raster, sample {sample} (first {max_neurons} neurons per layer)")
    fig.tight_layout()
    return fig


def layer_activity(report: Report) -> Figure:
    """Per-layer spikes (neuron nodes) and synaptic events / effective ACs (synapse nodes)."""
    m = report.metrics
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    names = [n.name for n in m.neurons]
    a1.bar(names, [n.spikes for n in m.neurons], color="tab:orange")
    a1.set_ylabel("spikes per inference")
    a1.set_title("Spikes per neuron layer")
    syn = [s.name for s in m.synapses]
    x = np.arange(len(syn))
    a2.bar(x - 0.2, [s.synaptic_events for s in m.synapses], 0.4, label="synaptic events (x fan-out)")
    a2.bar(x + 0.2, [s.effective_acs + s.effective_macs for s in m.synapses], 0.4,
           label="effective ops (NeuroBench)")
    a2.set_xticks(x, syn)
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


def core_utilisation(report: Report) -> Figure:
    """Utilisation (tightest resource) of every core used, per target."""
    placed = {t: p for t, p in report.placements.items() if p.cores}
    fig, ax = plt.subplots(figsize=(9, 4))
    for i, (name, p) in enumerate(placed.items()):
        util = [r["utilisation"] or 0.0 for r in p.core_rows()]
        ax.scatter(np.full(len(util), i), util, s=18, label=name)
        ax.bar(i, max(util), 0.6, alpha=0.15)
    ax.axhline(1.0, color="red", lw=1, ls="--")
    ax.set_xticks(range(len(placed)), [f"{t}\n{len(p.cores)} cores" for t, p in placed.items()], fontsize=8)
    ax.set_ylabel("fraction of the tightest per-core limit")
    ax.set_title("Core utilisation (dots: cores; bar: fullest core)")
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


def save_all(report: Report, folder: str | Path, stem: str) -> dict[str, Path]:
    """Write every plot as ``folder/stem_<name>.png``; returns name -> path."""
    out = {}
    for name, fn in PLOTS.items():
        path = Path(folder) / f"{stem}_{name}.png"
        fig = fn(report)
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        plt.close(fig)
        out[name] = path
    return out

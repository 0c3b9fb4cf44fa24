"""Compile and evaluate every cell of a grid; write the table, the plot and each artifact.

For each :class:`~snncompile.sweep.grid.Cell`: compile the float network for the cell's
target with its options (:func:`snncompile.compile.build_artifact`, the same calibration
input for every cell), keep the artifact as ``cells/<cell>.snnc`` (its provenance holds
the options, so a chosen point deploys as it was measured), evaluate it over the whole
data set on ``backend`` (:func:`snncompile.evaluate.evaluate`, sharded over Ray when
asked; classes decided by ``readout``, else the one the model declares, else ``count``)
with the target's estimate, and write ``cells/<cell>.json`` (the evaluation).
A cell's energy and latency per inference are its chip estimate's, plus the host
segments' estimate when the compiled graph has host nodes.

Then ``sweep.csv`` and ``sweep.json`` (one row per cell, artifact paths relative to the
sweep's folder, Pareto front and best per
target marked, :mod:`snncompile.sweep.pareto`), ``pareto.png`` and ``pareto.html``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from snncompile.compile import build_artifact, save_artifact
from snncompile.datasets import DataOptions, Dataset, batch_ranges, open_data
from snncompile.errors import InputError, SnnCompileError, one_line
from snncompile.estimate.borrow import apply_borrowing
from snncompile.evaluate import Evaluation, evaluate, ray_session
from snncompile.evaluate.distributed import DEFAULT_RETRIES
from snncompile.fileio import atomic_open
from snncompile.ir import Graph
from snncompile.simulate import DEFAULT_READOUT, graph_for
from snncompile.sweep import plot
from snncompile.sweep.grid import Cell, unsupported
from snncompile.sweep.pareto import Row, best_per_target, mark, pareto_front
from snncompile.targets import load_target

COLUMNS = ["cell", "target", "weight_bits", "split_sign", "rounding", "status", "reason", "accuracy", "correct",
           "samples", "energy_j", "energy_is_lower_bound", "latency_s", "latency_is_lower_bound", "pareto", "best", "output"]
#: calibration samples taken from the data when no calibration file is given
CALIBRATION_SAMPLES = 64


@dataclass
class SweepRun:
    """How to evaluate each cell."""

    data: str
    data_options: DataOptions = field(default_factory=DataOptions)
    backend: str = "emulator"
    batch_size: int = 32
    steps: int | None = None
    workers: int = 1
    address: str | None = None
    borrow: Mapping[str, str] = field(default_factory=dict)
    progress: bool = False
    chunk_batches: int | None = None
    retries: int = DEFAULT_RETRIES
    calibrate_samples: int = CALIBRATION_SAMPLES  # taken from the data when no calibration file is given
    readout: str | None = None  # the decision rule (None: the model's declared one, else count)


@dataclass(frozen=True)
class SweepResult:
    rows: list[Row]
    files: dict[str, str]
    pareto: list[str]
    best: dict[str, str]
    readout: str = DEFAULT_READOUT
    readout_chosen_by: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "files": self.files, "pareto": self.pareto, "best": self.best,
                "readout": self.readout, "readout_chosen_by": self.readout_chosen_by}


def calibration_from(dataset: Dataset, samples: int = CALIBRATION_SAMPLES) -> dict[str, np.ndarray]:
    """The first ``samples`` samples of the data (read batch by batch)."""
    parts, taken = [], 0
    for start, stop in batch_ranges(dataset, samples):
        stop = min(stop, start + samples - taken)
        parts.append(dataset.read(start, stop).arrays)
        taken += stop - start
        if taken >= samples:
            break
    return {n: np.concatenate([p[n] for p in parts]).astype(np.float64) for n in parts[0]}


def run_sweep(float_graph: Graph, cells: Sequence[Cell], out: str | os.PathLike, how: SweepRun,
              calibrate: Mapping[str, np.ndarray] | None = None, model: str = "") -> SweepResult:
    from snncompile.api import choose_readout

    readout = choose_readout(how.readout, model, classifying=True)  # before any compile: a bad one fails now
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: -o names a file; the sweep writes a folder (table, plot, artifacts)")
    try:
        (folder / "cells").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
    dataset = open_data(how.data, float_graph, how.data_options)
    calibrate = calibrate if calibrate is not None else calibration_from(dataset, how.calibrate_samples)
    rows = []
    with _workers(how) as workers:
        for cell in cells:
            rows.append(run_cell(float_graph, cell, dataset, folder, how, calibrate, workers, model))
    rows = mark(rows)
    files = write_outputs(rows, folder, model)
    return SweepResult(rows, files, pareto_front(rows), best_per_target(rows), *readout)


@contextlib.contextmanager
def _workers(how: SweepRun) -> Iterator[int]:
    """One Ray session for the whole sweep (when asked); yields the workers to use."""
    if how.workers == 1 and how.address is None:
        yield 1
        return
    with ray_session(how.workers, how.address) as ray:
        yield max(int(ray.cluster_resources().get("CPU", 1)), 2) if how.address else how.workers


def run_cell(float_graph: Graph, cell: Cell, dataset: Dataset, folder: Path, how: SweepRun,
             calibrate: Mapping[str, np.ndarray], workers: int, model: str) -> Row:
    row: Row = {**cell.to_dict(), "status": "skipped", "reason": unsupported(cell)}
    if row["reason"] is not None:
        return row
    try:
        artifact = build_artifact(float_graph, cell.target, cell.options(), calibrate, source=model or None)
        path = folder / "cells" / f"{cell.id}.snnc"
        save_artifact(artifact, path)
        graph = graph_for(artifact, how.backend)
        target = load_target(cell.target)
        targets = apply_borrowing([target], {k: v for k, v in how.borrow.items() if k == target.name})
        ev = evaluate(graph, open_data(how.data, graph, how.data_options), how.backend, batch_size=how.batch_size,
                      steps=how.steps, workers=workers, targets=targets, progress=how.progress, model=str(path),
                      chunk_batches=how.chunk_batches, retries=how.retries, readout=how.readout)
    except SnnCompileError as exc:
        return {**row, "status": "failed", "reason": one_line(str(exc))}
    with atomic_open(folder / "cells" / f"{cell.id}.json") as handle:
        json.dump(ev.to_dict(), handle, indent=1, default=_plain)
    return {**row, "status": "ok", "reason": None, **summary(ev), "output": str(path.relative_to(folder))}


def summary(ev: Evaluation) -> dict[str, Any]:
    """Accuracy and the cell's energy and latency per inference (chip + host parts)."""
    energies = [e.energy_j for e in ev.estimates]
    latencies = [e.latency_s for e in ev.estimates]
    return {
        "accuracy": ev.accuracy, "correct": ev.correct, "samples": ev.samples,
        "energy_j": None if not energies or None in energies else float(sum(energies)),  # type: ignore[arg-type]
        "energy_is_lower_bound": not all(e.complete for e in ev.estimates),
        "latency_s": None if not latencies or None in latencies else float(sum(latencies)),  # type: ignore[arg-type]
        "latency_is_lower_bound": any(e.latency_is_bound for e in ev.estimates),
    }


def write_outputs(rows: list[Row], folder: Path, model: str) -> dict[str, str]:
    files = {"csv": folder / "sweep.csv", "json": folder / "sweep.json", "png": folder / "pareto.png",
             "html": folder / "pareto.html", "cells": folder / "cells"}
    with atomic_open(files["csv"]) as handle:
        writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    with atomic_open(files["json"]) as handle:
        json.dump({"model": model, "rows": rows}, handle, indent=1, default=_plain)
    title = f"Sweep of {Path(model).name}" if model else "Sweep"
    fig = plot.pareto_figure(rows, title)
    plot.write_png(fig, files["png"])
    notes = [f"{r['cell']}: {r['status']} ({r['reason']})" for r in rows if r["status"] != "ok"]
    notes += [f"{r['cell']}: energy is a lower bound (figures missing)" for r in rows
              if r["status"] == "ok" and r.get("energy_is_lower_bound")]
    plot.write_html(fig, rows, files["html"], title, notes)
    plot.plt.close(fig)
    return {k: str(v) for k, v in files.items()}


def _plain(value: Any) -> Any:
    """numpy scalars and arrays for json.dump."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")

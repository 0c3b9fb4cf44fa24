"""Evaluate a network over a whole data set: accuracy, per-class accuracy, confusion,
activity and the estimates' energy and latency, from counts merged exactly.

:func:`evaluate` runs the batches of a data set (:func:`snncompile.datasets.batch_ranges`)
in this process, or on Ray when ``workers > 1`` or an ``address`` is given
(:mod:`snncompile.evaluate.distributed`). Every batch is the same batch however the run
is split, and its counts add exactly, so the result is the same, number for number, for
any number of workers. Definitions:

- the predicted class: the ``readout``'s decision (:mod:`snncompile.simulate.readout`:
  ``count``, the argmax of the output summed over time, unless the user names another
  or the model declares one, :func:`snncompile.api.choose_readout`); a sample it leaves
  undecided (``first-spike``: no output spike) is counted in ``undecided``, wrong;
- accuracy = correct / labelled samples; per class ``c``: ``confusion[c, c] / (sum_p
  confusion[c, p] + undecided[c])`` (None for a class without samples);
- activity and metrics: :func:`snncompile.estimate.metrics.metrics_from_counts` over the
  whole set (per-inference averages over every sample);
- estimates: each target's model on those metrics (:func:`~snncompile.estimate.run.
  estimate_targets`): energy and latency per inference, and over the set (times the
  samples: one inference after the other).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile.datasets import Dataset, batch_ranges
from snncompile.errors import InputError
from snncompile.estimate.metrics import Metrics, metrics_from_counts
from snncompile.estimate.record import Estimate
from snncompile.estimate.run import estimate_targets
from snncompile.evaluate.batches import EvalJob, chunked, classes, run_locally
from snncompile.evaluate.counts import Accumulator, EvalCounts
from snncompile.evaluate.distributed import DEFAULT_RETRIES, ray_session, run_on_ray
from snncompile.ir import Graph
from snncompile.mapping import Placement
from snncompile.simulate.readout import DEFAULT_READOUT
from snncompile.targets import Target

#: tasks per worker when the chunk size is not given (smaller tasks: less lost to a crash)
CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class Evaluation:
    model: str
    backend: str
    data: str
    format: str
    steps: int
    dt: float
    batch_size: int
    workers: int
    chunks: int
    counts: EvalCounts
    metrics: Metrics
    estimates: tuple[Estimate, ...]
    placements: Mapping[str, Placement]
    class_names: Sequence[str] | None = None
    readout: str = DEFAULT_READOUT
    readout_chosen_by: str = "default"  # snncompile.api.READOUT_CHOSEN_BY

    @property
    def samples(self) -> int:
        return self.counts.samples

    @property
    def correct(self) -> int | None:
        c = self.counts.confusion
        return None if c is None else int(np.trace(c))

    def _undecided(self) -> np.ndarray:
        c, u = self.counts.confusion, self.counts.undecided
        assert c is not None
        return np.zeros(c.shape[0], np.int64) if u is None else u

    @property
    def undecided(self) -> int | None:
        """Labelled samples the readout decided no class for (None without labels)."""
        return None if self.counts.confusion is None else int(self._undecided().sum())

    @property
    def accuracy(self) -> float | None:
        c = self.counts.confusion
        return None if c is None else int(np.trace(c)) / (int(c.sum()) + int(self._undecided().sum()))

    def per_class(self) -> list[dict[str, Any]]:
        c = self.counts.confusion
        if c is None:
            return []
        undecided = self._undecided()
        rows = []
        for k in range(c.shape[0]):
            n = int(c[k].sum()) + int(undecided[k])
            name = self.class_names[k] if self.class_names and k < len(self.class_names) else str(k)
            rows.append({"class": k, "name": name, "samples": n, "correct": int(c[k, k]),
                         "accuracy": int(c[k, k]) / n if n else None,
                         "predicted": int(c[:, k].sum()), "undecided": int(undecided[k])})
        return rows

    def activity(self) -> dict[str, Any]:
        m = self.metrics
        layers = [{"layer": n.name, "kind": n.kind, "neurons": n.neurons, "spikes": n.spikes,
                   "rate": n.spikes / (n.neurons * m.steps) if n.neurons and m.steps else 0.0}
                  for n in m.neurons if n.spiking]
        synapses = [{"layer": s.name, "kind": s.kind, "synaptic_events": s.synaptic_events,
                     "effective_synops": s.effective_acs + s.effective_macs} for s in m.synapses]
        return {"spikes": m.spikes, "synaptic_events": m.synaptic_events, "activation_sparsity":
                m.activation_sparsity, "layers": layers, "synapses": synapses}

    def estimate_rows(self) -> list[dict[str, Any]]:
        rows = []
        for e in self.estimates:
            energy, latency = e.energy_j, e.latency_s
            rows.append({"target": e.target, "model": e.model, "energy_j": energy,
                         "energy_set_j": None if energy is None else energy * self.samples,
                         "energy_is_lower_bound": not e.complete, "latency_s": latency,
                         "latency_set_s": None if latency is None else latency * self.samples,
                         "latency_is_lower_bound": e.latency_is_bound, "missing": list(e.missing)})
        return rows

    def to_dict(self) -> dict[str, Any]:
        c = self.counts.confusion
        return {
            "model": self.model, "backend": self.backend, "data": self.data, "format": self.format,
            "samples": self.samples, "steps": self.steps, "dt": self.dt, "batch_size": self.batch_size,
            "workers": self.workers, "chunks": self.chunks,
            "readout": self.readout, "readout_chosen_by": self.readout_chosen_by,
            "labelled": c is not None, "accuracy": self.accuracy, "correct": self.correct, "undecided": self.undecided,
            "per_class": self.per_class(), "confusion": None if c is None else c.tolist(),
            "activity": self.activity(), "estimates": self.estimate_rows(),
            "dropped_events": self.counts.dropped, "metrics": self.metrics.to_dict(),
        }


def evaluate(graph: Graph, dataset: Dataset, backend: str, *, batch_size: int = 32, steps: int | None = None,
             workers: int = 1, address: str | None = None, targets: Sequence[Target] = (),
             weight_bits: int | None = None, chunk_batches: int | None = None, retries: int = DEFAULT_RETRIES,
             progress: bool = False, model: str = "", readout: str | None = None) -> Evaluation:
    """Evaluate ``graph`` on every sample of ``dataset`` (see module docstring);
    ``readout``: the decision rule (a name of :data:`~snncompile.simulate.readout.READOUTS`;
    None: the one ``model`` declares, else ``count``)."""
    from snncompile.api import choose_readout

    readout, chosen_by = choose_readout(readout, model, classifying=True)
    if workers < 1:
        raise InputError(f"workers={workers}: must be at least 1", options=("workers",))
    if chunk_batches is not None and chunk_batches < 1:
        raise InputError(f"chunk_batches={chunk_batches}: must be at least 1", options=("chunk_batches",))
    if retries < 0:
        raise InputError(f"retries={retries}: must be at least 0", options=("retries",))
    classes(graph)  # one output, before any work
    job = EvalJob(graph, dataset.spec, backend, steps, readout)
    ranges = batch_ranges(dataset, batch_size)
    parts = Accumulator()
    if workers == 1 and address is None:
        chunks = len(ranges)
        for i, part in enumerate(run_locally(job, dataset, ranges, progress)):
            parts.add(i, part)
    else:
        with ray_session(workers, address) as ray:
            if address is not None:
                workers = max(int(ray.cluster_resources().get("CPU", 1)), 1)
            groups = chunked(ranges, chunk_batches or math.ceil(len(ranges) / (workers * CHUNKS_PER_WORKER)))
            chunks = len(groups)
            for i, part in run_on_ray(ray, job, groups, len(dataset), progress, retries):
                parts.add(i, part)
    counts = parts.finish(len(dataset))
    metrics = metrics_from_counts(graph, counts.activity)
    estimates, placements = estimate_targets(graph, metrics, targets, weight_bits=weight_bits)
    return Evaluation(model, backend, dataset.describe(), dataset.format, counts.activity.steps, graph.dt,
                      batch_size, workers, chunks, counts, metrics, estimates, placements, dataset.classes, readout,
                      chosen_by)

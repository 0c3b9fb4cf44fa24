"""Compare backends layer by layer on the same input, aligned for hop latency.

The float reference computes a feed-forward chain within one step; an integer backend
(emulator, Lava) delivers each synapse stage one step later. A fixed graph records how
far each of its nodes trails the float graph (its *lags*, see
:mod:`snncompile.passes.quantize.add_synapse_latency`); every comparison here shifts by
exactly those lags and reports them — nothing is aligned silently or by search.

For backends ``a`` and ``b`` and a spiking layer with lags ``k_a``, ``k_b``, step ``t`` of
the float timeline is ``a[t + k_a]`` versus ``b[t + k_b]``; integer backends run
``T + max lag`` steps so the whole window of ``T`` input steps is compared.

Spike outputs are compared entry by entry (``output_agreement``: the fraction of equal
entries). Other outputs carry values: a membrane readout (a fixed ``FixedLIF`` with
``output="v"``, from LI / CubaLI / Integrator; integer backends' ``v`` is divided by its
``scale`` to float units) or a host segment's real-valued result (a classifier head after
a mean over tokens). For them ``output_max_error`` is the largest absolute difference over
the aligned window, and ``output_agreement`` the fraction of samples given the same class
(as the ``readout`` decides, :mod:`snncompile.simulate.readout`; by default ``count``,
the argmax of the summed output; a regression readout gives none) — equal values entry by
entry would only ever hold between two integer backends. With labels, ``accuracy`` per
backend is the readout's decisions against them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from snncompile.errors import InputError, UnsupportedError, one_line
from snncompile.ir import Flatten, Graph, SpikingNeuron, is_spike_train
from snncompile.ir.fixed import FixedLIF
from snncompile.simulate import (
    DEFAULT_READOUT,
    BackendFailed,
    GraphKind,
    SimResult,
    get_backend,
    get_readout,
)


def aligned(series: np.ndarray, lag: int, steps: int) -> np.ndarray:
    """``series[:, lag:lag + steps]``; raises when the run is too short (never pads)."""
    if series.shape[1] < lag + steps:
        raise InputError(f"a run of {series.shape[1]} steps cannot cover lag {lag} + {steps} steps")
    return series[:, lag:lag + steps]


def aligned_agreement(reference: np.ndarray, other: np.ndarray, lag: int, ref_lag: int = 0) -> float:
    """Fraction of equal entries of ``reference[t + ref_lag]`` and ``other[t + lag]`` over
    the reference's steps."""
    steps = reference.shape[1] - ref_lag
    a, b = aligned(reference, ref_lag, steps), aligned(other, lag, steps)
    return float(np.mean(a == b)) if a.size else 1.0


def first_divergence(a: np.ndarray, b: np.ndarray) -> int | None:
    """First step (axis 1) where the aligned arrays differ anywhere; None if never."""
    differs = (a != b).reshape(a.shape[0], a.shape[1], -1).any(axis=(0, 2))
    hits = np.flatnonzero(differs)
    return int(hits[0]) if hits.size else None


def first_difference(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int] | None:
    """(step, sample, neuron) of the first difference of aligned (batch, time, *shape)
    arrays: the earliest step, then the first sample and neuron (the index into the
    layer's flattened per-sample shape) at that step; None if they are equal."""
    step = first_divergence(a, b)
    if step is None:
        return None
    differs = (a[:, step] != b[:, step]).reshape(a.shape[0], -1)
    sample, neuron = np.argwhere(differs)[0]
    return step, int(sample), int(neuron)


def agreement_within(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Fraction of entries that agree within +-``k`` steps: entry (sample, t, neuron)
    agrees when ``a[t] == b[t]``, or when ``a[t]`` occurs in ``b`` at some step of
    ``t-k..t+k`` and ``b[t]`` occurs in ``a`` at some step of that window. A spike moved by
    at most k steps then agrees (both its place and the gap it left are found in the
    other train); a spike missing or extra does not. ``k = 0`` is the exact agreement."""
    if k < 0:
        raise InputError(f"tolerance_steps={k}: must be 0 or more", options=("tolerance_steps",))
    if not a.size:
        return 1.0
    steps = a.shape[1]
    a_in_b = np.zeros(a.shape, dtype=bool)
    b_in_a = np.zeros(a.shape, dtype=bool)
    for d in range(-k, k + 1):
        lo, hi = max(0, -d), min(steps, steps - d)  # t such that t + d is a step
        if lo >= hi:
            continue
        a_in_b[:, lo:hi] |= a[:, lo:hi] == b[:, lo + d:hi + d]
        b_in_a[:, lo:hi] |= b[:, lo:hi] == a[:, lo + d:hi + d]
    return float(np.mean((a == b) | (a_in_b & b_in_a)))


@dataclass(frozen=True)
class LayerComparison:
    layer: str
    lag_a: int
    lag_b: int
    agreement: float
    spikes_a: int
    spikes_b: int
    first_divergence: int | None  # the step (float timeline)
    first_sample: int | None = None
    first_neuron: int | None = None  # index into the layer's flattened per-sample shape
    agreement_within: float | None = None  # within +-tolerance_steps (None when not asked)


@dataclass(frozen=True)
class PairComparison:
    a: str
    b: str
    layers: tuple[LayerComparison, ...]
    first_layer: str | None  # earliest divergence: smallest step, then earliest layer
    first_step: int | None
    first_sample: int | None = None
    first_neuron: int | None = None


@dataclass(frozen=True)
class Mismatches:
    """Every differing entry of one layer between backends ``a`` and ``b``: parallel
    arrays of sample, step (float timeline), neuron (flattened index) and both values."""

    a: str
    b: str
    layer: str
    sample: np.ndarray
    step: np.ndarray
    neuron: np.ndarray
    value_a: np.ndarray
    value_b: np.ndarray


def mismatches_of(a_name: str, b_name: str, layer: str, x: np.ndarray, y: np.ndarray) -> Mismatches:
    """The differing entries of aligned arrays ``x`` (backend a) and ``y`` (backend b)."""
    fx, fy = x.reshape(x.shape[0], x.shape[1], -1), y.reshape(y.shape[0], y.shape[1], -1)
    sample, step, neuron = np.nonzero(fx != fy)
    return Mismatches(a_name, b_name, layer, sample, step, neuron, fx[sample, step, neuron], fy[sample, step, neuron])


#: columns of a mismatch file, in order
MISMATCH_COLUMNS = ("a", "b", "layer", "sample", "step", "neuron", "value_a", "value_b")


def write_mismatches(path: str, mismatches: Sequence[Mismatches]) -> int:
    """Write every mismatch to ``path`` atomically: a CSV (``.csv``: one row per entry,
    columns :data:`MISMATCH_COLUMNS`) or an ``.npz`` of those columns as arrays. Returns
    the number of rows."""
    import csv

    from snncompile.fileio import atomic_open
    from snncompile.npz import write_npz

    rows = sum(len(m.sample) for m in mismatches)
    if str(path).lower().endswith(".csv"):
        with atomic_open(path, "w") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(MISMATCH_COLUMNS)
            for m in mismatches:
                for i in range(len(m.sample)):
                    writer.writerow((m.a, m.b, m.layer, int(m.sample[i]), int(m.step[i]), int(m.neuron[i]),
                                     _number(m.value_a[i]), _number(m.value_b[i])))
        return rows
    if not str(path).lower().endswith(".npz"):
        raise InputError(f"mismatches={path}: expected a .csv or .npz file name", options=("mismatches",))

    def column(get) -> np.ndarray:
        parts = [np.asarray(get(m)) for m in mismatches]
        return np.concatenate(parts) if parts else np.zeros(0)

    arrays = {
        "a": np.array([m.a for m in mismatches for _ in range(len(m.sample))], dtype=str),
        "b": np.array([m.b for m in mismatches for _ in range(len(m.sample))], dtype=str),
        "layer": np.array([m.layer for m in mismatches for _ in range(len(m.sample))], dtype=str),
        **{name: column(lambda m, n=name: getattr(m, n)) for name in MISMATCH_COLUMNS[3:]},
    }
    write_npz(path, arrays)
    return rows


def _number(value: Any) -> int | float:
    v = float(value)
    return int(v) if v.is_integer() else v


@dataclass(frozen=True)
class Comparison:
    backends: tuple[str, ...]
    steps: int
    batch: int
    lags: Mapping[str, Mapping[str, int]]  # backend -> layer -> lag
    pairs: tuple[PairComparison, ...]
    accuracy: Mapping[str, float]  # backend -> output accuracy (when labels were given)
    output_agreement: Mapping[str, float]  # "a vs b" -> aligned output agreement
    output_max_error: Mapping[str, float] = field(default_factory=dict)  # "a vs b" -> readouts only
    skipped: Mapping[str, str] = field(default_factory=dict)  # backend -> why it could not run
    failed: Mapping[str, str] = field(default_factory=dict)  # backend -> how its run hung or crashed
    spikes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # backend -> layer -> spikes
    tolerance_steps: int = 0
    readout: str = DEFAULT_READOUT  # decides the classes of accuracy and of value outputs' agreement
    #: every differing entry per pair and layer (only when asked: ``keep_mismatches``)
    mismatches: tuple[Mismatches, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The fields as the ``--json`` schema names them (docs/json.md): per-backend
        maps are ``accuracy_by_backend`` and ``spikes_by_backend`` (``accuracy`` and
        ``spikes`` are single numbers wherever they appear)."""
        out = asdict(dataclasses.replace(self, mismatches=()))
        del out["mismatches"]
        out["accuracy_by_backend"] = out.pop("accuracy")
        out["spikes_by_backend"] = out.pop("spikes")
        return out


def compare_graphs(float_graph: Graph, fixed_graph: Graph, lags: Mapping[str, int],
                   inputs: Mapping[str, np.ndarray] | np.ndarray, backends: Sequence[str],
                   labels: np.ndarray | None = None, progress: bool = False, tolerance_steps: int = 0,
                   keep_mismatches: bool = False, readout: str = DEFAULT_READOUT) -> Comparison:
    """Run each backend on the graph it executes (float backends on the float graph,
    the others on the compiled graph, see :class:`~snncompile.simulate.GraphKind`) and
    compare every pair, baseline first. A backend that cannot express the graph is
    skipped with its reason (``skipped``) as long as two backends remain. A backend
    whose run hangs or crashes (:class:`~snncompile.simulate.BackendFailed`, e.g. Lava
    stopped after its time limit) is reported in ``failed`` and the others are still
    compared and shown (``spikes`` per layer for every backend that ran), even when only
    one is left. ``tolerance_steps`` k > 0 adds each layer's agreement within +-k steps
    (:func:`agreement_within`); ``keep_mismatches`` keeps every differing entry
    (``mismatches``, see :func:`write_mismatches`); ``readout`` decides classes (a name of
    :data:`~snncompile.simulate.readout.READOUTS`)."""
    rule = get_readout(readout)
    if tolerance_steps < 0:
        raise InputError(f"tolerance_steps={tolerance_steps}: must be 0 or more",
                         options=("tolerance_steps",))
    if len(backends) < 2:
        raise InputError(f"compare needs at least two backends, found {list(backends)}")
    if not isinstance(inputs, Mapping):
        inputs = {float_graph.inputs[0]: np.asarray(inputs)}
    steps = int(np.asarray(next(iter(inputs.values()))).shape[1])
    layers = [n for n, node in float_graph.items() if isinstance(node, SpikingNeuron) and n in fixed_graph.nodes]
    outputs = [n for n in float_graph.outputs if n in fixed_graph.nodes]
    runs: dict[str, SimResult] = {}
    skipped: dict[str, str] = {}
    failed: dict[str, str] = {}
    lag_of: dict[str, dict[str, int]] = {}
    floats = set()
    for name in backends:
        try:
            backend = get_backend(name)
        except UnsupportedError as exc:
            skipped[name] = one_line(str(exc))
            continue
        is_float = backend.runs is GraphKind.FLOAT
        floats.update([name] if is_float else [])
        graph = float_graph if is_float else fixed_graph
        lag_of[name] = {n: 0 if is_float else int(lags[n]) for n in layers + outputs}
        extra = max(lag_of[name].values(), default=0)
        try:
            runs[name] = backend.run(graph, inputs, steps=steps + extra, record=layers, progress=progress)
        except UnsupportedError as exc:
            skipped[name] = one_line(str(exc))
        except BackendFailed as exc:
            failed[name] = one_line(str(exc))
    backends = [b for b in backends if b in runs]
    if len(backends) < 2 and not (failed and backends):
        raise UnsupportedError("compare needs two backends that can run this graph; " +
                               "; ".join(f"{b}: {why}" for b, why in {**skipped, **failed}.items()))
    base = backends[0]
    scales = {o: readout_scale(fixed_graph, o) for o in outputs}
    carries_values = {o: scales[o] is not None or not is_spike_train(fixed_graph, o) for o in outputs}

    def output(name: str, o: str) -> np.ndarray:
        values = aligned(runs[name].outputs[o], lag_of[name][o], steps)
        scale = scales[o]
        return values if scale is None or name in floats else values / scale

    pairs, out_agree, out_error = [], {}, {}
    kept: list[Mismatches] = []
    for other in backends[1:]:
        pairs.append(_pair(base, other, runs, lag_of, layers, steps, tolerance_steps,
                           kept if keep_mismatches else None))
        for o in outputs:
            a, b = output(base, o), output(other, o)
            key = f"{base} vs {other}" + (f" ({o})" if len(outputs) > 1 else "")
            if not carries_values[o]:
                out_agree[key] = float(np.mean(a == b))
            else:
                same = rule.same_decision(a, b)
                if same is not None:
                    out_agree[key] = same
                out_error[key] = float(np.max(np.abs(a - b))) if a.size else 0.0
    acc = {}
    if labels is not None and len(outputs) == 1 and rule.classifies:
        o = outputs[0]
        for name in backends:
            score = rule.score(output(name, o), labels)
            assert score is not None
            acc[name] = score
    batch = int(np.asarray(next(iter(inputs.values()))).shape[0])
    lag_of = {b: lags_ for b, lags_ in lag_of.items() if b in runs}
    spikes = {b: {n: int(aligned(runs[b].recorded[n], lag_of[b][n], steps).sum()) for n in layers} for b in backends}
    return Comparison(tuple(backends), steps, batch, lag_of, tuple(pairs), acc, out_agree,
                      output_max_error=out_error, skipped=skipped, failed=failed, spikes=spikes,
                      tolerance_steps=tolerance_steps, readout=rule.name, mismatches=tuple(kept))


def readout_scale(fixed_graph: Graph, output: str) -> float | None:
    """The ``scale`` of the membrane readout feeding ``output`` (through Flatten nodes),
    None when the output carries spikes."""
    srcs = [e.src for e in fixed_graph.incoming(output)]
    while len(srcs) == 1 and isinstance(fixed_graph.nodes[srcs[0]], Flatten):
        srcs = [e.src for e in fixed_graph.incoming(srcs[0])]
    nodes = [fixed_graph.nodes[s] for s in srcs]
    if len(nodes) == 1 and isinstance(nodes[0], FixedLIF) and nodes[0].reads_membrane:
        return nodes[0].scale
    return None


def _pair(a: str, b: str, runs, lag_of, layers, steps, tolerance: int = 0,
          kept: list[Mismatches] | None = None) -> PairComparison:
    rows = []
    first: tuple[int, int, str, int, int] | None = None
    for index, layer in enumerate(layers):
        x = aligned(runs[a].recorded[layer], lag_of[a][layer], steps)
        y = aligned(runs[b].recorded[layer], lag_of[b][layer], steps)
        where = first_difference(x, y)
        step, sample, neuron = where or (None, None, None)
        rows.append(LayerComparison(layer, lag_of[a][layer], lag_of[b][layer], float(np.mean(x == y)),
                                    int(x.sum()), int(y.sum()), step, first_sample=sample, first_neuron=neuron,
                                    agreement_within=agreement_within(x, y, tolerance) if tolerance else None))
        if where is not None and (first is None or (where[0], index) < first[:2]):
            first = (where[0], index, layer, where[1], where[2])
        if kept is not None and where is not None:
            kept.append(mismatches_of(a, b, layer, x, y))
    if first is None:
        return PairComparison(a, b, tuple(rows), None, None)
    return PairComparison(a, b, tuple(rows), first[2], first[0], first[3], first[4])


def render_comparison(result: Mapping[str, Any]) -> str:
    from snncompile.cli.output import table

    lines = [f"backends {', '.join(result['backends'])}: batch {result['batch']}, {result['steps']} steps "
             "(steps on the float timeline; each backend shifted by its lag)"]
    for pair in result["pairs"]:
        rows = [{"layer": r["layer"], f"lag {pair['a']}": r["lag_a"], f"lag {pair['b']}": r["lag_b"],
                 "agreement": r["agreement"], f"spikes {pair['a']}": r["spikes_a"],
                 f"spikes {pair['b']}": r["spikes_b"], "first diverging step": r["first_divergence"],
                 **({f"agreement +-{result['tolerance_steps']} steps": r["agreement_within"]}
                    if result.get("tolerance_steps") else {})}
                for r in pair["layers"]]
        lines.append(table(rows, title=f"{pair['a']} vs {pair['b']}"))
        if pair["first_layer"] is None:
            lines.append("identical spikes in every layer")
        else:
            where = (f", sample {pair['first_sample']}, neuron {pair['first_neuron']}"
                     if pair.get("first_sample") is not None else "")
            lines.append(f"first divergence: layer '{pair['first_layer']}' at step {pair['first_step']}{where} "
                         "(neuron: index into the layer's flattened shape)")
    errors, agree = result.get("output_max_error", {}), result.get("output_agreement", {})
    for key in dict.fromkeys([*agree, *errors]):
        if key in errors:
            same = f"same class {agree[key]:.4f}, " if key in agree else ""
            lines.append(f"output (values) {key}: {same}max |difference| {errors[key]:.6g} (float units)")
        else:
            lines.append(f"output agreement {key}: {agree[key]:.4f}")
    for key, value in result.get("accuracy_by_backend", {}).items():
        lines.append(f"accuracy {key}: {value:.4f} (readout {result.get('readout', DEFAULT_READOUT)})")
    if not result["pairs"] and result.get("spikes_by_backend"):  # one backend left: show what it computed
        spikes = result["spikes_by_backend"]
        rows = [{"layer": layer, **{f"spikes {b}": counts[layer] for b, counts in spikes.items()}}
                for layer in next(iter(spikes.values()))]
        lines.append(table(rows, title="spikes per layer (nothing to compare with)"))
    for key, why in result.get("skipped", {}).items():
        lines.append(f"skipped {key}: {why}")
    for key, why in result.get("failed", {}).items():
        lines.append(f"FAILED {key}: {why}")
    return "\n".join(lines)

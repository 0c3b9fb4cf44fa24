"""One backend interface: which graph a backend runs, which nodes it can, and how.

A backend is a :class:`Backend` registered by name in :data:`BACKENDS`. It states

- ``runs``: the stage of graph it executes (:class:`GraphKind`): the float meaning of a
  network, or its compiled (integer, possibly mixed host/chip) graph. :func:`graph_for`
  is the one place that picks an artifact's graph for a backend;
- :meth:`Backend.supports`: whether it can execute one node (None) or why not;
- :meth:`Backend.execute`: the run itself, on inputs already normalised by
  :func:`normalize_inputs` (the one place inputs are checked), returning the shared
  :class:`~snncompile.simulate.result.SimResult`.

:meth:`Backend.run` (also ``backend(graph, inputs, ...)``) validates the graph, reports
every node the backend cannot execute at once, normalises the inputs and executes.
Optional backends live in their own packages and register on import; :func:`get_backend`
imports them on first use.
"""

from __future__ import annotations

import importlib
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from snncompile.errors import InputError, SnnCompileError, UnsupportedError
from snncompile.ir import Graph, Input, NeuronNode, Node, Output
from snncompile.ir.placement import lags as lags_of
from snncompile.ir.placement import on_host
from snncompile.ir.stage import is_float_graph
from snncompile.limits import check_bytes
from snncompile.simulate.result import SimResult

if TYPE_CHECKING:
    from snncompile.compile import Artifact

Record = Any  # "all" | "neurons" | a node name | a list of names | None


class BackendFailed(SnnCompileError):
    """A backend's run hung (stopped after its time limit) or crashed; ``reason`` is
    ``timeout``, ``crash`` or ``error``. Callers that run several backends (``compare``)
    report it and go on with the others."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class GraphKind(str, Enum):
    """Which graph of a compiled artifact a backend executes."""

    FLOAT = "float"  # the float meaning (the graph the artifact was compiled from)
    COMPILED = "compiled"  # the compiled graph: integer chip nodes (+ host nodes in float)


@dataclass(frozen=True)
class RunInputs:
    """Inputs per Input node, ``(batch, time, *shape)``, checked against the graph.
    ``first_sample``: the index in the whole data set of the batch's row 0, so row ``k``
    is sample ``first_sample + k`` (what a seeded source such as
    :class:`~snncompile.ir.random_source.RandomSpikes` draws for): a caller that splits a
    data set into batches passes each batch's start, and the run gives the same numbers
    however the data set is split."""

    arrays: dict[str, np.ndarray]
    length: int
    batch: int
    first_sample: int = 0

    def step(self, name: str, t: int) -> np.ndarray:
        """Input ``name`` at step ``t`` (zeros after the data ends)."""
        x = self.arrays[name]
        return x[:, t] if t < self.length else np.zeros_like(x[:, 0])


def normalize_inputs(graph: Graph, inputs: Mapping[str, np.ndarray] | np.ndarray,
                     labels: np.ndarray | None = None, first_sample: int = 0) -> RunInputs:
    """One array per Input node (a bare array for single-input graphs), each ``(batch, time,
    *shape)``, of real numbers or booleans (complex, dates, strings and objects refused),
    finite, with at least one sample and one step, batch and time agreeing; returned in
    native byte order. An input that feeds a compiled graph's chip nodes carries integer
    payloads (spikes 0/1 or graded integers) that fit in int32 (Lava's RingBuffer).
    ``labels``, when given, must be one integer class per sample; ``first_sample`` (the
    data-set index of the batch's first sample, :class:`RunInputs`) a non-negative integer.
    Every problem is an InputError naming the input (docs/robustness.md)."""
    first_sample = check_first_sample(first_sample)
    if not isinstance(inputs, Mapping):  # one array (numpy, or a torch tensor)
        if len(graph.inputs) != 1:
            raise InputError(f"graph has inputs {graph.inputs}: pass a dict of arrays")
        inputs = {graph.inputs[0]: np.asarray(inputs)}
    missing = [n for n in graph.inputs if n not in inputs]
    if missing:
        raise InputError(f"no data for input node(s) {missing}; inputs given: {list(inputs)}")
    compiled = not is_float_graph(graph)
    arrays = {name: _checked_input(name, _input_node(graph, name).shape, inputs[name],
                                   payloads=compiled and not all(on_host(graph.nodes[e.dst]) for e in graph.outgoing(name)))
              for name in graph.inputs}
    shapes = {a.shape[:2] for a in arrays.values()}
    if len(shapes) > 1:
        raise InputError(f"inputs disagree on batch or time length: {[a.shape for a in arrays.values()]}")
    batch, length = shapes.pop()
    if labels is not None:
        check_labels(labels, int(batch))
    return RunInputs(arrays, int(length), int(batch), first_sample)


def check_first_sample(first_sample: Any) -> int:
    """``first_sample`` as an int in [0, 2**63) (the seeded stream hashes it as a uint64)."""
    if isinstance(first_sample, bool) or not isinstance(first_sample, (int, np.integer)):
        raise InputError(f"first_sample={first_sample!r}: must be an integer (a sample index)",
                         options=("first_sample",))
    if not 0 <= int(first_sample) < 2**63:
        raise InputError(f"first_sample={first_sample}: must lie in [0, 2**63)", options=("first_sample",))
    return int(first_sample)


def _checked_input(name: str, shape: tuple[int, ...], value: Any, payloads: bool) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != len(shape) + 2 or tuple(array.shape[2:]) != tuple(shape):
        raise InputError(f"input for node '{name}' must be (batch, time, {', '.join(map(str, shape))}); "
                         f"found shape {tuple(array.shape)}")
    if array.dtype.kind == "c":
        raise InputError(f"input '{name}' holds complex values; inputs are real (the imaginary part would be dropped)")
    if array.dtype.kind not in "biuf":
        raise InputError(f"input '{name}': expected numbers, found dtype {array.dtype}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"input '{name}': needs at least one sample and one step, found shape {array.shape}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):  # integers and bools are finite
        raise InputError(f"input '{name}' contains NaN or inf")
    if payloads and array.dtype.kind == "f" and np.any(array != np.round(array)):
        raise InputError(f"input '{name}': a compiled graph takes integer payloads (spikes 0/1 or graded ints)")
    if payloads and not np.can_cast(array.dtype, np.int32) and (array.min() < -(2**31) or array.max() >= 2**31):
        raise InputError(f"input '{name}': payloads must fit in int32 (Lava's RingBuffer), found "
                         f"[{array.min()}, {array.max()}]")
    return array.astype(array.dtype.newbyteorder("="), copy=False)  # torch reads native byte order only


def check_labels(labels: np.ndarray, batch: int) -> np.ndarray:
    """``labels`` as one integer class per sample (integral floats accepted)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "biuf":
        raise InputError(f"'labels' must be integer classes, found dtype {labels.dtype}")
    labels = labels.reshape(-1)
    if labels.shape[0] != batch:
        raise InputError(f"'labels' has {labels.shape[0]} entries for a batch of {batch}")
    if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) or np.any(labels < 0):
        raise InputError("'labels' must be non-negative integer classes")
    return labels


def check_run_size(graph: Graph, batch: int, steps: int, names: list[str]) -> None:
    """Refuse a run whose recorded arrays (outputs and ``names``, float64, batch x steps)
    would exceed the allocation limit, before anything is allocated."""
    shapes = graph.infer_shapes()
    elements = sum(math.prod(shapes[n]) for n in dict.fromkeys([*graph.outputs, *names]))
    check_bytes(batch * steps * elements * 8, f"a run of {steps} steps x batch {batch} recording {elements} values "
                                              "per step")


def _input_node(graph: Graph, name: str) -> Input:
    node = graph.nodes[name]
    assert isinstance(node, Input)
    return node


def padded_steps(x: np.ndarray, steps: int) -> np.ndarray:
    """``x`` (batch, time, ...) cut or zero-padded to ``steps`` steps (an input replayed
    into a chip segment that runs longer or shorter than the input)."""
    out = np.zeros((x.shape[0], steps, *x.shape[2:]), x.dtype)
    out[:, : min(steps, x.shape[1])] = x[:, :steps]
    return out


def resolve_record(graph: Graph, record: Record) -> list[str]:
    """``"all"`` -> every non-Input node; ``"neurons"`` -> neuron nodes; a list -> itself."""
    if record is None:
        return []
    if record == "all":
        return [n for n, node in graph.items() if not isinstance(node, Input)]
    if record == "neurons":
        return [n for n, node in graph.items() if isinstance(node, NeuronNode)]
    names = [record] if isinstance(record, str) else list(record)
    unknown = [n for n in names if n not in graph.nodes]
    if unknown:
        raise InputError(f"cannot record unknown nodes {unknown}; nodes are {list(graph.nodes)}")
    return names


class Backend(ABC):
    """An executor of graphs (see module docstring)."""

    name: ClassVar[str]
    runs: ClassVar[GraphKind]
    #: one line for ``--help`` and listings
    description: ClassVar[str] = ""

    @abstractmethod
    def supports(self, graph: Graph, name: str, node: Node) -> str | None:
        """None when this backend can execute ``node``; otherwise why not (one phrase)."""

    def unsupported(self, graph: Graph) -> dict[str, str]:
        """Every node this backend cannot execute, with the reason."""
        return {n: why for n, node in graph.items() if (why := self.supports(graph, n, node)) is not None}

    def check(self, graph: Graph) -> None:
        """Raise UnsupportedError naming every node this backend cannot execute."""
        bad = self.unsupported(graph)
        if bad:
            detail = "; ".join(f"'{n}' ({graph.nodes[n].kind}): {why}" for n, why in bad.items())
            raise UnsupportedError(f"the {self.name} backend cannot run {len(bad)} node(s): {detail}")

    @abstractmethod
    def execute(self, graph: Graph, inputs: RunInputs, steps: int, record: list[str], membranes: list[str],
                progress: bool, **options: Any) -> SimResult:
        """Run a validated, supported graph for ``steps`` steps."""

    def run(self, graph: Graph, inputs: Mapping[str, np.ndarray] | np.ndarray, steps: int | None = None,
            record: Record = None, membranes: Record = None, progress: bool = False, first_sample: int = 0,
            **options: Any) -> SimResult:
        """Run ``graph`` on ``inputs`` (a batch whose row 0 is sample ``first_sample`` of
        the data set, see :class:`RunInputs`) for ``steps`` steps (default: the inputs')."""
        graph.validate()
        self.check(graph)
        data = normalize_inputs(graph, inputs, first_sample=first_sample)
        steps = data.length if steps is None else int(steps)
        if steps < 1:
            raise InputError(f"steps must be at least 1, found {steps}")
        names = resolve_record(graph, record)
        v_names = [n for n in resolve_record(graph, membranes) if isinstance(graph.nodes[n], NeuronNode)]
        check_run_size(graph, data.batch, steps, [*names, *v_names])
        result = self.execute(graph, data, steps, names, v_names, progress, **options)
        return describe_result(result, graph)

    __call__ = run


def describe_result(result: SimResult, graph: Graph) -> SimResult:
    """``result`` with what its series are: which hold the spikes of which spiking node
    (``spiking``: a spiking node's own series, an Output that copies one undelayed) and by
    how many steps each trails the float timeline (``shifted_by``: the lags of a compiled
    graph's nodes; none for a float graph)."""
    kept = [*result.outputs, *result.recorded, *result.counters]
    spiking = {n: source for n in kept if n in graph.nodes and (source := spike_source(graph, n)) is not None}
    lags = lags_of(graph)
    shifted = {n: lags[n] for n in dict.fromkeys([*kept, *result.membranes, *result.currents]) if lags.get(n)}
    return replace(result, spiking=spiking, shifted_by=shifted)


def spike_source(graph: Graph, name: str) -> str | None:
    """The spiking node whose spikes ``name``'s series holds: itself when it spikes, its
    source when it is an Output fed by one spiking node without delay; else None."""
    node = graph.nodes[name]
    if node.spiking:
        return name
    edges = graph.incoming(name)
    if isinstance(node, Output) and len(edges) == 1 and edges[0].delay == 0 and graph.nodes[edges[0].src].spiking:
        return edges[0].src
    return None


#: backend name -> backend
BACKENDS: dict[str, Backend] = {}

#: backend name -> module that registers it on import (optional dependencies)
BACKEND_MODULES: dict[str, str] = {
    "reference": "snncompile.simulate.reference",
    "emulator": "snncompile.emulator",
    "lava": "snncompile.backends.lava",
    "onnx": "snncompile.backends.onnx",
    "c": "snncompile.backends.c",
    "xylosim": "snncompile.backends.xylosim",
}


def register_backend(backend: Backend) -> Backend:
    BACKENDS[backend.name] = backend
    return backend


def backend_names() -> list[str]:
    return sorted(set(BACKENDS) | set(BACKEND_MODULES))


def get_backend(name: str) -> Backend:
    """Backend ``name``, importing its package if needed."""
    if name not in BACKENDS and name in BACKEND_MODULES:
        try:
            importlib.import_module(BACKEND_MODULES[name])
        except ModuleNotFoundError as exc:
            raise UnsupportedError(f"backend '{name}' is not available: {exc}") from None
    if name not in BACKENDS:
        raise UnsupportedError(f"unknown backend '{name}'; known backends: {', '.join(backend_names())}")
    return BACKENDS[name]


def graph_for(artifact: Artifact, backend: Backend | str) -> Graph:
    """The graph of a compiled artifact that ``backend`` executes (the one place that
    decides it): its compiled graph for backends that run compiled graphs, else the float
    graph it was compiled from."""
    if isinstance(backend, str):
        backend = get_backend(backend)
    return artifact.fixed if backend.runs is GraphKind.COMPILED else artifact.float_graph

"""The public Python API behind the CLI: load models and data, run backends.

A MODEL is one of

- ``path.nir`` — a NIR graph (``dt``, ``reset``, ``reset_timing``, ``comparator``,
  ``discretization`` and the exporter ``dialect`` choose what NIR does not store);
- ``file.py:factory`` — a Python file whose ``factory()`` returns a single-step
  ``nn.Module`` (optionally with ``weights``, a state dict loaded with
  ``torch.load(..., weights_only=True)``); traced with torch.fx;
- ``path.snnir`` — snncompile's own IR file;
- ``path.snnc`` — a compiled artifact (``snncompile compile``): its integer graph runs on
  the fixed-point backends (emulator, Lava), its float graph on the others;
- ``path.net`` — a netx (lava-dl) network: like an artifact, its integer graph on the
  fixed-point backends and its SLAYER float meaning on the others (docs/netx.md);
- ``zoo:NAME`` — a trained network of :mod:`snncompile.zoo` (``zoo:spikformer``,
  ``zoo:tim``, ``zoo:tim-intended``, ``zoo:spikmamba``, ``zoo:l2mu``; docs/zoo.md, docs/l2mu.md).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snncompile.errors import InputError
from snncompile.ir import Graph, load_graph


@dataclass(frozen=True)
class ModelOptions:
    """How to read a model: the choices a file format may not carry (None: not given,
    the file's own hints or the format's defaults apply; see docs/nir.md)."""

    weights: str | None = None
    input_shape: tuple[int, ...] | None = None
    dt: float | None = None
    reset: str | None = None
    reset_timing: str | None = None
    comparator: str | None = None
    discretization: str | None = None
    dialect: str | None = None

    def nir_only(self, spec: str) -> None:
        """Refuse NIR-only choices for another kind of model (never ignore a flag)."""
        given = [k for k in ("comparator", "discretization", "dialect") if getattr(self, k) is not None]
        if given:
            flags = ", ".join("--from" if k == "dialect" else f"--{k}" for k in given)
            raise InputError(f"{spec}: {flags} only apply to NIR models (.nir)")


Loader = Callable[[str, ModelOptions], Graph]
#: model kind -> loader; chosen by :func:`model_kind`
MODEL_LOADERS: dict[str, Loader] = {}


def model_loader(kind: str) -> Callable[[Loader], Loader]:
    def register(fn: Loader) -> Loader:
        MODEL_LOADERS[kind] = fn
        return fn

    return register


def model_kind(spec: str) -> str:
    """``nir``, ``torch``, ``ir``, ``artifact``, ``netx`` or ``zoo`` from the MODEL string."""
    if spec.startswith("zoo:"):
        return "zoo"
    if spec.endswith(".nir"):
        return "nir"
    if ".py:" in spec or spec.endswith(".py"):
        return "torch"
    if spec.endswith(".snnir"):
        return "ir"
    if spec.endswith(".snnc"):
        return "artifact"
    if spec.endswith(".net"):
        return "netx"
    raise InputError(
        f"{spec}: unknown model kind; expected a .nir file, file.py:factory, a .snnir IR file, "
        "a .snnc artifact, a .net netx file or zoo:NAME"
    )


def load_model(spec: str, options: ModelOptions | None = None) -> Graph:
    """Read MODEL (see module docstring) into a validated IR graph."""
    options = options or ModelOptions()
    kind = model_kind(spec)
    path = spec.rsplit(":", 1)[0] if kind == "torch" else spec
    if kind != "zoo" and not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    graph = MODEL_LOADERS[kind](spec, options)
    return graph.validate()


@model_loader("ir")
def _load_ir(spec: str, options: ModelOptions) -> Graph:
    options.nir_only(spec)
    graph = load_graph(spec)
    if options.dt is not None and options.dt != graph.dt:
        raise InputError(f"{spec}: the IR file fixes dt={graph.dt}; --dt {options.dt} cannot change it")
    return graph


@model_loader("zoo")
def _load_zoo(spec: str, options: ModelOptions) -> Graph:
    from snncompile.zoo.models import zoo_graph

    options.nir_only(spec)
    return zoo_graph(spec.split(":", 1)[1], dt=options.dt)


@model_loader("artifact")
def _load_artifact(spec: str, options: ModelOptions) -> Graph:
    return load_for_backend(spec, "emulator", options)


#: model kinds that hold an integer graph (run on the emulator unless told otherwise)
INTEGER_MODEL_KINDS = frozenset({"artifact", "netx"})


def default_backend(spec: str) -> str:
    """What runs MODEL when the user names no backend: the emulator for a compiled
    artifact or a netx file (what the chip computes), else the float reference."""
    return "emulator" if model_kind(spec) in INTEGER_MODEL_KINDS else "reference"


def load_for_backend(spec: str, backend: str, options: ModelOptions | None = None) -> Graph:
    """MODEL as ``backend`` runs it: for an artifact, the graph that backend executes
    (its compiled graph or the float graph it was compiled from, see
    :func:`snncompile.simulate.graph_for`); a netx file likewise (its SLAYER float
    meaning for float backends)."""
    if model_kind(spec) == "netx":
        from snncompile.simulate import GraphKind, get_backend

        float_meaning = get_backend(backend).runs is GraphKind.FLOAT
        return _netx_graph(spec, options or ModelOptions(), float_meaning=float_meaning)
    if model_kind(spec) != "artifact":
        return load_model(spec, options)
    from snncompile.compile import load_artifact
    from snncompile.simulate import graph_for

    if options is not None and options.dt is not None:
        raise InputError(f"{spec}: a compiled artifact fixes its dt; --dt cannot change it")
    if options is not None:
        options.nir_only(spec)
    return graph_for(load_artifact(spec), backend).validate()


@model_loader("netx")
def _load_netx(spec: str, options: ModelOptions) -> Graph:
    return _netx_graph(spec, options, float_meaning=False)


def _netx_graph(spec: str, options: ModelOptions, float_meaning: bool) -> Graph:
    from snncompile.interop.netx import load_netx_model

    if not os.path.exists(spec):
        raise InputError(f"{spec}: no such file")
    return load_netx_model(spec, float_meaning, dt=options.dt, input_shape=options.input_shape).validate()


@model_loader("nir")
def _load_nir(spec: str, options: ModelOptions) -> Graph:
    from snncompile.interop.nir import read_nir

    # None means "not given": read_nir then uses the file's hints, else its defaults.
    return read_nir(spec, dt=options.dt, reset=options.reset, reset_timing=options.reset_timing,
                    comparator=options.comparator, discretization=options.discretization, dialect=options.dialect)


@model_loader("torch")
def _load_torch(spec: str, options: ModelOptions) -> Graph:
    from snncompile.frontends.torch import load_factory, trace

    options.nir_only(spec)
    if options.input_shape is None:
        raise InputError(
            f"{spec}: a PyTorch model needs its per-step input shape: pass --input X.npz or --input-shape"
        )
    module = load_factory(spec, options.weights, options.input_shape)
    # dt=None lets the model fix it (Norse cells carry one), else DEFAULT_DT
    return trace(module, options.input_shape, dt=options.dt)


@dataclass
class InputData:
    """Arrays per Input node, (batch, time, *shape), plus optional labels (batch,)."""

    arrays: dict[str, np.ndarray]
    labels: np.ndarray | None = None


def read_input_file(path: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` (no pickles); errors name the file."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npz file ({type(exc).__name__}: {exc})") from None


def input_feature_shape(path: str) -> tuple[int, ...]:
    """The per-step feature shape of the ``input`` array (to trace PyTorch models)."""
    arrays = read_input_file(path)
    if "input" not in arrays:
        raise InputError(f"{path}: expected an array named 'input' shaped (batch, time, *features); found {sorted(arrays)}")
    if arrays["input"].ndim < 3:
        raise InputError(f"{path}: 'input' must be (batch, time, *features), found shape {arrays['input'].shape}")
    return tuple(arrays["input"].shape[2:])


def load_inputs(path: str, graph: Graph) -> InputData:
    """Match an input file to ``graph``'s Input nodes.

    A single-input graph reads the array ``input``; a graph with several inputs reads one
    array per Input node name. An optional ``labels`` array (batch,) enables accuracy.
    """
    arrays = read_input_file(path)
    names = graph.inputs
    if len(names) == 1 and "input" in arrays:
        chosen = {names[0]: arrays["input"]}
    elif all(n in arrays for n in names):
        chosen = {n: arrays[n] for n in names}
    else:
        want = "'input'" if len(names) == 1 else f"one array per input node {names}"
        raise InputError(f"{path}: expected {want}; found arrays {sorted(arrays)}")
    for name, array in chosen.items():
        shape = graph.nodes[name].shape  # type: ignore[attr-defined]
        if array.ndim != len(shape) + 2 or tuple(array.shape[2:]) != tuple(shape):
            raise InputError(
                f"{path}: input for node '{name}' must be (batch, time, {', '.join(map(str, shape))}); "
                f"found shape {tuple(array.shape)}"
            )
        if not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
            raise InputError(f"{path}: input '{name}' has non-numeric dtype {array.dtype}")
    labels = arrays.get("labels")
    if labels is not None:
        batch = next(iter(chosen.values())).shape[0]
        labels = np.asarray(labels).reshape(-1)
        if labels.shape[0] != batch:
            raise InputError(f"{path}: 'labels' has {labels.shape[0]} entries for a batch of {batch}")
    return InputData(chosen, labels)


def default_output_path(spec: str, suffix: str) -> str:
    stem = Path(spec.split(":")[0]).stem
    return f"{stem}{suffix}"

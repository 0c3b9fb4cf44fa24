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
  ``zoo:tim``, ``zoo:tim-intended``, ``zoo:spikmamba``, ``zoo:l2mu``; docs/zoo.md, docs/l2mu.md;
  ``zoo:delays``, ``zoo:tcn``: docs/delays.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from snncompile.errors import GraphError, InputError, one_line
from snncompile.ir import Graph, load_graph
from snncompile.ir.suspicious import check_suspicious
from snncompile.limits import FACTORY_TIMEOUT, Expired, check_layer_sizes, time_limit
from snncompile.npz import read_npz


@dataclass(frozen=True)
class ModelOptions:
    """How to read a model: the choices a file format may not carry (None: not given,
    the file's own hints or the format's defaults apply; see docs/nir.md).

    - ``weights``: a PyTorch ``state_dict`` file for ``file.py:factory`` models (read with
      ``weights_only=True``: never unpickled);
    - ``input_shape``: one step's input shape for PyTorch models and netx files;
    - ``dt``: the time step in seconds; ``reset`` (``zero``, ``subtract``, ``none``),
      ``reset_timing`` (``immediate``, ``delayed``), ``comparator`` (``>``, ``>=``),
      ``discretization`` (``euler``, ``exact``) and ``dialect`` (the framework that wrote a
      NIR file: ``snntorch``, ``norse``, ...) for NIR files."""

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
            raise InputError(f"{spec}: {', '.join(k + '=' for k in given)} only apply to NIR models (.nir)",
                             options=given)


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
    suffix = os.path.splitext(spec)[1].lower()
    if suffix in NOT_MODELS:
        raise InputError(f"{spec}: {NOT_MODELS[suffix](spec)}", options=("weights",))
    raise InputError(
        f"{spec}: unknown model kind; expected a .nir file, file.py:factory, a .snnir IR file, "
        "a .snnc artifact, a .net netx file or zoo:NAME"
    )


def _torch_file(spec: str) -> str:
    from snncompile.pickled import SAVE_STATE_DICT, is_module, module_classes

    classes = module_classes(spec) if os.path.isfile(spec) else []
    what = (f"a whole PyTorch module pickled with torch.save(model) (class {classes[0]})" if is_module(classes)
            else f"a pickle that would run code ({classes[0]})" if classes
            else "a PyTorch file (torch.save), e.g. a state_dict")
    return (f"{what}: weights without a network snncompile can read; pass the Python file that builds the network "
            f"as file.py:factory with weights=FILE ({SAVE_STATE_DICT})")


#: files users pass as MODEL that are not models snncompile reads: suffix -> what it is and what to do
NOT_MODELS: dict[str, Callable[[str], str]] = {
    ".pt": _torch_file,
    ".pth": _torch_file,
    ".ckpt": _torch_file,
    ".onnx": lambda _: "an ONNX file, which snncompile writes (export --to onnx) but does not read; pass the model "
                       "it was exported from (.nir, file.py:factory, .snnir)",
    ".npz": lambda _: "a NumPy archive: data, not a model; pass it as input data and name the model first",
    ".npy": lambda _: "a NumPy array: data, not a model; pass it as input data and name the model first",
}


def model_options(options: ModelOptions | None = None, **given: Any) -> ModelOptions:
    """``options`` (default: none given) with the keyword choices ``given`` (the fields
    of :class:`ModelOptions`); an unknown keyword is an InputError listing the known."""
    known = {f.name for f in fields(ModelOptions)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(f"unknown model option(s) {', '.join(k + '=' for k in unknown)}; "
                         f"known: {', '.join(k + '=' for k in sorted(known))}")
    if "input_shape" in given and given["input_shape"] is not None:
        shape = given["input_shape"]
        given["input_shape"] = (int(shape),) if isinstance(shape, int) else tuple(int(v) for v in shape)
    if "weights" in given and given["weights"] is not None:
        given["weights"] = os.fspath(given["weights"])
    return replace(options or ModelOptions(), **given)


def load_model(spec: str | os.PathLike[str], options: ModelOptions | None = None, **choices: Any) -> Graph:
    """Read MODEL (see module docstring) into a validated IR graph.

    The choices a file does not carry are keywords (the fields of :class:`ModelOptions`)
    or one ``options`` object::

        graph = load_model("model.py:net", weights="net.pt", input_shape=(12,))
        graph = load_model("braille.nir", dt=1e-3, reset="subtract")

    Raises :class:`~snncompile.errors.InputError` (or another
    :class:`~snncompile.errors.SnnCompileError`) naming the file and what is wrong."""
    spec = os.fspath(spec)
    options = model_options(options, **choices)
    kind = model_kind(spec)
    path = spec.rsplit(":", 1)[0] if kind == "torch" else spec
    if kind != "zoo" and not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    graph = MODEL_LOADERS[kind](spec, options)
    try:
        graph.validate()
    except GraphError as exc:
        raise InputError(f"{spec}: {exc}") from None
    check_layer_sizes(graph, spec)
    return check_suspicious(graph, spec)


@model_loader("ir")
def _load_ir(spec: str, options: ModelOptions) -> Graph:
    options.nir_only(spec)
    graph = load_graph(spec)
    if options.dt is not None and options.dt != graph.dt:
        raise InputError(f"{spec}: the IR file fixes its dt ({graph.dt:g} s); dt={options.dt:g} cannot change it",
                         options=("dt",))
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


#: how a readout was chosen: named by the user, declared by the model (a zoo entry's row), or the default
READOUT_CHOSEN_BY = ("option", "model", "default")


def declared_readout(spec: str | None) -> str | None:
    """The readout MODEL declares: a zoo entry's (``zoo:NAME``, its :class:`~snncompile.zoo.
    models.Row`), also through a ``.snnc`` artifact compiled from one (its provenance's
    source); None for any other model."""
    if not spec:
        return None
    source = str(spec)
    if model_kind(source) == "artifact" and os.path.isfile(source):
        from snncompile.compile import load_artifact

        record = load_artifact(source).provenance.get("source") or {}
        source = str(record.get("path") or "") if isinstance(record, dict) else ""
    if not source.startswith("zoo:"):
        return None
    from snncompile.zoo.models import ZOO

    entry = ZOO.get(source.split(":", 1)[1])
    return None if entry is None else entry.row.readout


def choose_readout(readout: str | None = None, model: str | None = None,
                   classifying: bool = False) -> tuple[str, str]:
    """The readout to decide by and how it was chosen (:data:`READOUT_CHOSEN_BY`):
    ``readout`` when given (checked against :data:`~snncompile.simulate.readout.READOUTS`),
    else the one ``model`` declares (:func:`declared_readout`), else the default (count).
    ``classifying``: it must decide a class (scoring against labels)."""
    from snncompile.simulate.readout import DEFAULT_READOUT, classifying_names, get_readout

    if readout is not None:
        return get_readout(readout, classifying).name, "option"
    declared = declared_readout(model)
    if declared is None:
        return DEFAULT_READOUT, "default"
    if classifying and not get_readout(declared).classifies:
        raise InputError(f"{model}: its readout '{declared}' is a regression and decides no class; pass readout= "
                         f"one of {', '.join(classifying_names())} to classify", options=("readout",))
    return declared, "model"


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
        raise InputError(f"{spec}: a compiled artifact fixes its dt; dt= cannot change it", options=("dt",))
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
    graph = load_netx_model(spec, float_meaning, dt=options.dt, input_shape=options.input_shape)
    try:
        graph.validate()
    except GraphError as exc:
        raise InputError(f"{spec}: {exc}") from None
    check_layer_sizes(graph, spec)
    return check_suspicious(graph, spec)


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
        raise InputError(f"{spec}: a PyTorch model needs its per-step input shape: pass input_shape=SHAPE "
                         "(one step's features, e.g. (12,) or (2, 34, 34))", options=("input_shape",))
    # the user's code runs here: bounded in time, and whatever it raises named as its error
    with time_limit(FACTORY_TIMEOUT, f"{spec}: importing, building and tracing the model"):
        module = load_factory(spec, options.weights, options.input_shape)
        try:
            # dt=None lets the model fix it (Norse cells carry one), else DEFAULT_DT
            return trace(module, options.input_shape, dt=options.dt)
        except (KeyboardInterrupt, Expired):
            raise
        except Exception:
            raise
        except BaseException as exc:  # noqa: B036  SystemExit and the like from the model's forward
            raise InputError(f"{spec}: the model raised {type(exc).__name__} ({one_line(str(exc))}) while being "
                             "traced") from None


@dataclass
class InputData:
    """Arrays per Input node, ``(batch, time, *shape)``, plus optional labels ``(batch,)``."""

    arrays: dict[str, np.ndarray]
    labels: np.ndarray | None = None


def read_input_file(path: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` (checked before it is read, never unpickled; see
    :func:`snncompile.npz.read_npz`); errors name the file."""
    return read_npz(path, ".npz input file")


def input_feature_shape(path: str) -> tuple[int, ...]:
    """The per-step feature shape of the ``input`` array (to trace PyTorch models)."""
    arrays = read_input_file(path)
    if "input" not in arrays:
        raise InputError(f"{path}: expected an array named 'input' shaped (batch, time, *features); found {sorted(arrays)}")
    if arrays["input"].ndim < 3:
        raise InputError(f"{path}: 'input' must be (batch, time, *features), found shape {arrays['input'].shape}")
    return tuple(arrays["input"].shape[2:])


def load_inputs(path: str, graph: Graph, also: tuple[Graph, ...] = ()) -> InputData:
    """Match an input file to ``graph``'s Input nodes.

    A single-input graph reads the array ``input``; a graph with several inputs reads one
    array per Input node name. An optional ``labels`` array (batch,) enables accuracy.
    The arrays are checked by :func:`snncompile.simulate.backend.normalize_inputs` (the
    one place inputs are checked), for ``graph`` and each graph in ``also`` that will run
    on them (an artifact's compiled graph takes integer payloads); every error names the
    file.
    """
    from snncompile.simulate.backend import normalize_inputs

    arrays = read_input_file(path)
    names = graph.inputs
    if len(names) == 1 and "input" in arrays:
        chosen = {names[0]: arrays["input"]}
    elif all(n in arrays for n in names):
        chosen = {n: arrays[n] for n in names}
    else:
        want = "'input'" if len(names) == 1 else f"one array per input node {names}"
        raise InputError(f"{path}: expected {want}; found arrays {sorted(arrays)}")
    try:
        data = normalize_inputs(graph, chosen, labels=arrays.get("labels"))
        for other in also:
            normalize_inputs(other, {n: a for n, a in data.arrays.items() if n in other.inputs})
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    labels = arrays.get("labels")
    return InputData(data.arrays, None if labels is None else labels.reshape(-1).astype(np.int64))


def default_output_path(spec: str, suffix: str) -> str:
    stem = Path(spec.split(":")[0]).stem
    return f"{stem}{suffix}"

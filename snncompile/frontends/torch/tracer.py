"""Trace a one-time-step PyTorch model into an IR graph with ``torch.fx``.

The model's ``forward`` describes one step: it takes the input of step t (batch first)
and returns that step's output, neurons keeping their state inside (snnTorch with or
without ``init_hidden``, SpikingJelly, :mod:`snncompile.nn`) or passing it along (Norse
cells: ``z, s = cell(x, s)``). Forms accepted:

- ``nn.Sequential`` and nested modules whose ``forward`` uses supported layers (see
  :mod:`.layers`), neuron modules (see :mod:`.adapters`), ``snncompile.nn.SelectiveScan``
  and these functions: arithmetic (``+ - * /``, :mod:`.arithmetic`: a sum is an ``Add``,
  a product or quotient with a number or constant a ``Scale``, of two tensors a ``Mul``
  / ``Div``), ``@``, activations, means and norms (:mod:`.host_ops`), re-indexing
  (``flatten``, ``view``/``reshape``, ``transpose``/``permute``, ``cat``,
  ``split``/``chunk``, slicing: :mod:`.host_tensor_ops`), ``F.avg_pool2d`` /
  ``F.max_pool2d``, ``F.dropout`` (dropped), and ``contiguous`` / ``clone`` / ``detach``
  (identity); arithmetic on sizes (``x.shape[-1] // heads``) is evaluated while tracing;
- neuron calls that return tuples: element 0 is the spike output; the other elements
  (snnTorch's ``mem``/``syn``, Norse's state) are the neuron's own state: they may be fed
  back into the same neuron or returned, but not used as tensors;
- extra ``forward`` parameters need defaults (``state=None``); the trace uses the
  defaults (one step, fresh state) — Norse's ``SequentialState`` works this way;
- returned values: every tensor in the returned structure becomes an ``Output`` node
  (``output``, or ``output_0``, ``output_1``, ...); returned states are dropped (record
  membranes with the simulator instead).

The graph describes inference (``eval()``) behaviour. Node names are module paths
(``features.0``); functions get fx's node names (``add``, ``flatten``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from snncompile.errors import GraphError, UnsupportedError, one_line
from snncompile.frontends.torch.adapters import ADAPTERS, Fragment, array, load_builtin_adapters
from snncompile.frontends.torch.layers import CONTAINERS, LAYERS, MODULES, flatten_node, pool2d
from snncompile.ir import DEFAULT_DT, Graph, Input, Node, Output, Shape

#: packages whose modules are leaves (never traced into) unless plain containers; the
#: zoo's networks (snncompile.zoo) are ordinary user models and are traced into
FRAMEWORK_PACKAGES = ("torch", "snntorch", "spikingjelly", "norse", "sinabs", "snncompile.nn", "lava", "braincog")
#: framework packages of whole networks built from the framework's layers and neurons
#: (SpikingJelly's model zoo: SEW / Spiking ResNet, ...): traced into like user models
FRAMEWORK_MODELS = ("spikingjelly.activation_based.model",)


# -- values flowing through the traced program -----------------------------------------
@dataclass(frozen=True)
class Tensor:
    """A per-step tensor: the output of IR node ``name``, per-sample ``shape``."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class NeuronOut:
    """What a neuron call returns: usable as its spikes, or indexed like a tuple."""

    spikes: Tensor
    path: str


@dataclass(frozen=True)
class State:
    """A neuron's own state (membrane, current): only meaningful to that neuron."""

    path: str


@dataclass(frozen=True)
class Batch:
    """The batch size (``x.shape[0]``), which a reshape may keep in front."""


@dataclass(frozen=True)
class SizeOf:
    """``x.shape`` / ``x.size()``: batch then the per-sample shape."""

    shape: Shape

    def item(self, index: int) -> Any:
        full: list[Any] = [Batch(), *self.shape]
        return full[index]


@dataclass(frozen=True)
class Constant:
    """A parameter or buffer read inside ``forward`` (``get_attr``)."""

    value: np.ndarray


@dataclass
class TraceInfo:
    """A traced graph plus what relates it to the framework's own state variables:
    ``membrane_offsets[name]`` is added to the IR membrane of neuron ``name`` to get the
    framework's (see ``Fragment.membrane_offset``; absent means 0)."""

    graph: Graph
    membrane_offsets: dict[str, np.ndarray] = field(default_factory=dict)


def as_tensor(value: Any, where: str) -> Tensor:
    """``value`` as a traced tensor, or a clear refusal naming ``where``."""
    return _tensor(value, where)


def is_tensor(value: Any) -> bool:
    return _is_tensor(value)


def _tensor(value: Any, where: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, NeuronOut):
        return value.spikes
    if isinstance(value, State):
        raise UnsupportedError(
            f"{where} uses the state (membrane/current) of neuron '{value.path}' as a tensor; "
            "only a neuron's output flows between layers in the IR"
        )
    raise UnsupportedError(f"{where} expects a tensor computed from the input, found {value!r}")


def _is_tensor(value: Any) -> bool:
    return isinstance(value, (Tensor, NeuronOut))


# -- the fx tracer ------------------------------------------------------------------------
class _Tracer(fx.Tracer):
    """Leaves: registered layers, neurons and containers, and any other framework module
    (so that an unsupported one is reported by name instead of traced into)."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        if ADAPTERS.lookup(m) or LAYERS.lookup(m) or MODULES.lookup(m) or CONTAINERS.lookup(m):
            return True
        if isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict, fx.GraphModule)):
            return False  # containers; a GraphModule (torch's own class) is generated code to trace into
        module = type(m).__module__
        if any(module == p or module.startswith(p + ".") for p in FRAMEWORK_MODELS):
            return False
        return any(module == p or module.startswith(p + ".") for p in FRAMEWORK_PACKAGES)


@contextmanager
def _single_step(module: nn.Module):
    """SpikingJelly modules traced in single-step mode, then put back. A multi-step
    module applies the single step to each of its T slices (same graph); models branch
    on ``step_mode`` (SEWResNet flattens dim 2 in 'm' mode, dim 1 in 's'), so the trace,
    which sees one step, must take the single-step branch."""
    modes = {m: m.step_mode for m in module.modules()
             if type(m).__module__.startswith("spikingjelly.") and isinstance(getattr(m, "step_mode", None), str)
             and "s" in getattr(m, "supported_step_mode", lambda: ("s", "m"))()}
    try:
        for m in modes:
            setattr(m, "step_mode", "s")  # noqa: B010 - a property setter SpikingJelly checks
        yield
    finally:
        for m, mode in modes.items():
            setattr(m, "step_mode", mode)  # noqa: B010


def _concrete_args(module: nn.Module) -> dict[str, Any]:
    params = list(inspect.signature(module.forward).parameters.values())
    positional = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not positional:
        raise UnsupportedError(f"{type(module).__name__}.forward takes no input argument")
    concrete = {}
    for p in positional[1:]:
        if p.default is inspect.Parameter.empty:
            raise UnsupportedError(
                f"{type(module).__name__}.forward({', '.join(q.name for q in positional)}): argument "
                f"'{p.name}' has no default; a traced model takes one input tensor per step "
                "(give state arguments a default such as None)"
            )
        concrete[p.name] = p.default
    return concrete


def _fx_graph(module: nn.Module) -> fx.Graph:
    try:
        return _Tracer().trace(module, concrete_args=_concrete_args(module) or None)
    except UnsupportedError:
        raise
    except Exception as exc:  # fx reports data-dependent control flow etc. this way
        raise UnsupportedError(
            one_line(f"cannot trace {type(module).__name__}.forward with torch.fx: {type(exc).__name__}: {exc}")
        ) from None


# -- building the graph ---------------------------------------------------------------------
class _Builder:
    def __init__(self, root: nn.Module, dt: float | None, prefix: str = ""):
        self.root, self.prefix = root, prefix
        self.graph = Graph(dt=DEFAULT_DT if dt is None else float(dt))
        self.requested_dt = dt
        self.framework_dt: dict[str, float] = {}
        self.offsets: dict[str, np.ndarray] = {}
        self.called_neurons: set[str] = set()
        self.modules = dict(root.named_modules())

    # names and nodes
    def unique(self, name: str) -> str:
        name = self.prefix + (name or "node")
        if name not in self.graph.nodes:
            return name
        k = 1
        while f"{name}_{k}" in self.graph.nodes:
            k += 1
        return f"{name}_{k}"

    def add(self, name: str, node: Node, inputs: list[Tensor]) -> Tensor:
        name = self.unique(name)
        in_shape = inputs[0].shape if inputs else ()
        problems = [] if isinstance(node, Input) else node.check(in_shape)
        if problems:
            raise GraphError(f"node '{name}' ({node.kind}): " + "; ".join(problems))
        self.graph.add(name, node)
        for src in inputs:
            self.graph.connect(src.name, name)
        return Tensor(name, node.output_shape(in_shape))

    def add_operands(self, name: str, node: Node, operands: dict[str, Tensor]) -> Tensor:
        """A node with ordered operands: ``operands`` maps each of its ports to a tensor."""
        name = self.unique(name)
        shapes = {port: t.shape for port, t in operands.items()}
        problems = node.check_operands(shapes)
        if problems:
            raise GraphError(f"node '{name}' ({node.kind}): " + "; ".join(problems))
        self.graph.add(name, node)
        for port, src in operands.items():
            self.graph.connect(src.name, name, port=port)
        return Tensor(name, node.operand_output_shape(shapes))

    # modules
    def call_module(self, path: str, module: nn.Module, args: tuple, kwargs: dict) -> Any:
        where = f"module '{path}' ({type(module).__name__})"
        if CONTAINERS.lookup(module):
            value = args[0]
            for name, child in module.named_children():
                value = self.call_module(f"{path}.{name}", child, (value,), {})
            return value
        neuron = ADAPTERS.lookup(module)
        if neuron:
            return self.call_neuron(path, module, neuron, args, kwargs, where)
        several = MODULES.lookup(module)
        if several:
            cls, handle = several
            _check_own_forward(module, cls, where)
            return handle(self, path, module, args, kwargs, where)
        found = LAYERS.lookup(module)
        if not found:
            raise UnsupportedError(
                f"{where} is not supported; supported layers: {', '.join(sorted(LAYERS.names() + MODULES.names()))}; "
                f"neurons: {', '.join(ADAPTERS.names())}"
            )
        cls, convert = found
        _check_own_forward(module, cls, where)
        if len(args) != 1 or kwargs:
            raise UnsupportedError(f"{where} called with {len(args)} arguments; layers take one tensor")
        x = _tensor(args[0], where)
        node = convert(module, x.shape, path)
        return x if node is None else self.add(path, node, [x])

    def call_neuron(self, path, module, found, args, kwargs, where) -> NeuronOut:
        cls, adapter = found
        _check_own_forward(module, cls, where)
        if path in self.called_neurons:
            raise UnsupportedError(f"{where} is called twice in one step; a neuron population has one state, so each call needs its own module")
        self.called_neurons.add(path)
        if not args:
            raise UnsupportedError(f"{where} called without an input")
        x = _tensor(args[0], where)
        for extra in [*args[1:], *kwargs.values()]:
            if isinstance(extra, State) and extra.path != path:
                raise UnsupportedError(f"{where} receives the state of neuron '{extra.path}'; only its own state can be passed back")
            if _is_tensor(extra):
                raise UnsupportedError(f"{where} receives a second tensor input; sum inputs before the neuron")
        fragment: Fragment = adapter(module, x.shape, path)
        name = self.unique(path)
        self.graph.add(name, fragment.neuron)
        extra_names = {"": name}
        for suffix, node in fragment.extra.items():
            extra_names[suffix] = self.unique(f"{path}.{suffix}")
            self.graph.add(extra_names[suffix], node)
        self.graph.connect(x.name, extra_names[fragment.entry])
        for src, dst, delay, *port in fragment.edges:
            self.graph.connect(extra_names[src], extra_names[dst], delay, *port)
        if fragment.entry == "":
            problems = fragment.neuron.check(x.shape)
            if problems:
                raise GraphError(f"node '{name}' ({fragment.neuron.kind}): " + "; ".join(problems))
        if fragment.dt is not None:
            self.framework_dt[name] = fragment.dt
        if np.any(np.asarray(fragment.membrane_offset) != 0):
            self.offsets[name] = np.asarray(fragment.membrane_offset, dtype=np.float64)
        out = extra_names[fragment.output]
        shape = fragment.neuron.shape if fragment.output == "" else fragment.output_shape or x.shape
        return NeuronOut(Tensor(out, tuple(shape)), path)

    def finish_dt(self) -> None:
        dts = set(self.framework_dt.values())
        if len(dts) > 1:
            raise UnsupportedError(f"neurons step with different dt: {self.framework_dt}")
        if dts:
            (dt,) = dts
            if self.requested_dt is not None and not math.isclose(dt, self.requested_dt, rel_tol=1e-9):
                raise UnsupportedError(
                    f"the model's neurons step with dt={dt} s ({', '.join(self.framework_dt)}) "
                    f"but dt={self.requested_dt} s was requested"
                )
            self.graph.dt = dt


def _check_own_forward(module: nn.Module, cls: type, where: str) -> None:
    """A subclass that overrides ``forward`` may compute anything: refuse it."""
    if getattr(type(module), "forward", None) is not getattr(cls, "forward", None):
        raise UnsupportedError(f"{where}: subclass of {cls.__name__} overrides forward(); only {cls.__name__}'s own is known")


def _module_context(node: fx.Node) -> str:
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path, (_, cls) = list(stack.items())[-1]
    return f" in module '{path}' ({getattr(cls, '__name__', cls)})"


def _function_name(target: Any) -> str:
    name = getattr(target, "__name__", None) or str(target)
    return "max_pool2d" if name == "fn" else name


# -- function and method handlers -----------------------------------------------------------
Handler = Callable[[_Builder, str, str, list, dict], Any]
FUNCTIONS: dict[Any, Handler] = {}
METHODS: dict[str, Handler] = {}


def handles(*targets: Any, methods: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register a handler for torch functions / operators ``targets`` and tensor
    ``methods`` (what the traced ``forward`` calls)."""
    def register(fn: Handler) -> Handler:
        for t in targets:
            FUNCTIONS[t] = fn
        for m in methods:
            METHODS[m] = fn
        return fn

    return register


def bind_args(signature: Callable, args: list, kwargs: dict, where: str) -> inspect.BoundArguments:
    try:
        bound = inspect.signature(signature).bind(*args, **kwargs)
    except TypeError as exc:
        raise UnsupportedError(f"{where}: unexpected arguments ({exc})") from None
    bound.apply_defaults()
    return bound


def _flatten_sig(input, start_dim=0, end_dim=-1): ...


@handles(torch.flatten, methods=("flatten",))
def _flatten(b: _Builder, name, where, args, kwargs):
    bound = bind_args(_flatten_sig, args, kwargs, where).arguments
    x = _tensor(bound["input"], where)
    return b.add(name, flatten_node(bound["start_dim"], bound["end_dim"], x.shape, where), [x])


def _avg_sig(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None): ...


def _max_sig(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False): ...


@handles(F.avg_pool2d)
def _avg_pool(b: _Builder, name, where, args, kwargs):
    bound = dict(bind_args(_avg_sig, args, kwargs, where).arguments)
    x = _tensor(bound.pop("input"), where)
    return b.add(name, pool2d("avg", where, **bound), [x])


@handles(F.max_pool2d)
def _max_pool(b: _Builder, name, where, args, kwargs):
    bound = dict(bind_args(_max_sig, args, kwargs, where).arguments)
    if bound.pop("return_indices"):
        raise UnsupportedError(f"{where}: return_indices=True is not supported")
    x = _tensor(bound.pop("input"), where)
    return b.add(name, pool2d("max", where, **bound), [x])


@handles(F.dropout, methods=("contiguous", "clone", "detach"))
def _identity(b: _Builder, name, where, args, kwargs):
    return _tensor(args[0], where)


@handles(getattr)
def _getattr(b: _Builder, name, where, args, kwargs):
    obj, attr = args
    if attr == "shape" and _is_tensor(obj):
        return SizeOf(_tensor(obj, where).shape)
    raise UnsupportedError(f"{where}: attribute '{attr}' of {obj!r} is not supported")


@handles(methods=("size",))
def _size(b: _Builder, name, where, args, kwargs):
    size = SizeOf(_tensor(args[0], where).shape)
    dim = args[1] if len(args) > 1 else kwargs.get("dim")
    return size if dim is None else size.item(dim)


def _assert_is_none(b: _Builder, name, where, args, kwargs):
    return None


FUNCTIONS[fx._symbolic_trace._assert_is_none] = _assert_is_none


# -- the walk -----------------------------------------------------------------------------
def _call(b: _Builder, node: fx.Node, args: list, kwargs: dict) -> Any:
    """A ``call_function`` / ``call_method`` node through its handler, or a clear refusal."""
    method = node.op == "call_method"
    fname = str(node.target) if method else _function_name(node.target)
    where = f"{'method' if method else 'function'} '{fname}'{_module_context(node)}"
    table: dict[Any, Handler] = METHODS if method else FUNCTIONS
    handler = table.get(node.target)
    if handler is None:
        supported = sorted({_function_name(t) for t in FUNCTIONS if t is not fx._symbolic_trace._assert_is_none})
        raise UnsupportedError(
            f"{where} is not supported; supported functions: {', '.join(supported)}; "
            f"methods: {', '.join(sorted(METHODS))}"
        )
    return handler(b, node.name, where, args, kwargs)

def _outputs(value: Any) -> list[Tensor]:
    if _is_tensor(value):
        return [_tensor(value, "output")]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _outputs(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _outputs(v)]
    return []  # states, None, numbers


class _Single(nn.Module):
    """Holds a lone neuron or layer under its class name (``lif``) so it can be traced."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.add_module(type(module).__name__.lower(), module)

    def forward(self, x):
        return next(iter(self.children()))(x)


def trace_details(
    module: nn.Module, input_shape: tuple[int, ...], dt: float | None = None, name_prefix: str = ""
) -> TraceInfo:
    """:func:`trace`, plus the membrane offsets of neurons whose state was shifted."""
    load_builtin_adapters()
    if not isinstance(module, nn.Module):
        raise UnsupportedError(f"trace expects a torch.nn.Module, found {type(module).__name__}")
    input_shape = tuple(int(d) for d in input_shape)
    if _Tracer().is_leaf_module(module, ""):
        module = _Single(module)  # fx always traces into the root; a lone layer is its child
    with _single_step(module):
        fx_graph = _fx_graph(module)
    b = _Builder(module, dt, name_prefix)
    env: dict[fx.Node, Any] = {}
    placeholders = 0
    result: Any = None
    for node in fx_graph.nodes:
        value = lambda a: fx.node.map_arg(a, lambda n: env[n])  # noqa: E731
        args, kwargs = value(tuple(node.args)), value(dict(node.kwargs))
        if node.op == "placeholder":
            if placeholders == 0:
                env[node] = b.add("input", Input(shape=input_shape), [])
            else:
                env[node] = node.args[0] if node.args else None  # a specialised default
            placeholders += 1
        elif node.op == "get_attr":
            attr: Any = module
            for part in str(node.target).split("."):
                attr = getattr(attr, part)
            env[node] = Constant(array(attr)) if torch.is_tensor(attr) else attr
        elif node.op == "call_module":
            path = str(node.target)
            env[node] = b.call_module(path, b.modules[path], args, kwargs)
        elif node.op in ("call_function", "call_method"):
            env[node] = _call(b, node, list(args), kwargs)
        elif node.op == "output":
            result = args[0]
    outputs = _outputs(result)
    if not outputs:
        raise UnsupportedError(f"{type(module).__name__}.forward returns no tensor computed from its input")
    for k, out in enumerate(outputs):
        name = "output" if len(outputs) == 1 else f"output_{k}"
        b.add(name, Output(shape=out.shape), [out])
    b.finish_dt()
    b.graph.validate()
    return TraceInfo(b.graph, b.offsets)


def trace(
    module: nn.Module, input_shape: tuple[int, ...], dt: float | None = None, name_prefix: str = ""
) -> Graph:
    """Trace the one-step ``module`` into an IR graph.

    ``input_shape`` is the per-sample shape of one step's input (no batch, no time axis),
    e.g. ``(12,)`` or ``(2, 34, 34)``. ``dt`` (seconds per step) is stored on the graph:
    by default the dt the model's neurons fix (Norse cells), else :data:`DEFAULT_DT`;
    a ``dt`` that contradicts the neurons' is an error. ``name_prefix`` is put in front of
    every node name (to combine graphs without clashes). Raises UnsupportedError naming
    the module or function that has no IR equivalent, GraphError for bad parameters
    (e.g. NaN weights, naming the node).
    """
    return trace_details(module, input_shape, dt, name_prefix).graph


# arithmetic, host operations, tensor re-indexing and convolutions over time register
# their handlers on import (they use the names above)
from snncompile.frontends.torch import arithmetic, host_ops, host_tensor_ops, temporal  # noqa: E402, F401

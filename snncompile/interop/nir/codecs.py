"""One reader and one writer per node type, registered by decorator.

``READERS`` maps a NIR node class to ``fn(nir_node, ReadContext) -> ir.Node``;
``WRITERS`` maps an IR node class to ``fn(ir_node, WriteContext) -> nir.NIRNode``.
NIRGraph has no codec: the reader flattens subgraphs and the writer builds them
(see :mod:`.read` and :mod:`.write`).

Neuron conversions (``decay`` per the chosen discretisation, see :mod:`.semantics`):

=========  ===================================================================
LIF, LI    decay(tau), gain = r (1 - decay), bias = v_leak (1 - decay)
Cuba*      syn_decay(tau_syn), syn_gain = w_in (1 - syn_decay), then as LIF with tau_mem
IF, I      gain = r, no leak: NIR's ``dv/dt = R I`` read as charge per step (a spike
           of weight w adds r w), as Norse (``v + input``, r ignored), Sinabs
           (IAF, r ignored) and snnTorch (asserts r == 1) run it. The strict Euler
           ``r dt`` (SpikingJelly writes r = 1/dt) would make the NIR paper's
           cnn_sinabs.nir (r = 1) silent.
=========  ===================================================================
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import nir
import numpy as np

from snncompile.errors import InputError, UnsupportedError
from snncompile.interop.nir.context import ReadContext, WriteContext
from snncompile.ir import (
    IF,
    LI,
    LIF,
    Add,
    AvgPool2d,
    Conv1d,
    Conv2d,
    CubaLI,
    CubaLIF,
    Delay,
    Flatten,
    Input,
    Integrator,
    Linear,
    Node,
    Output,
    Scale,
    SpikingNeuron,
    SumPool2d,
    Threshold,
)

Reader = Callable[[Any, ReadContext], Node]
Writer = Callable[[Any, WriteContext], Any]
READERS: dict[type, Reader] = {}
WRITERS: dict[type, Writer] = {}


def reads(nir_type: type) -> Callable[[Reader], Reader]:
    def register(fn: Reader) -> Reader:
        READERS[nir_type] = fn
        return fn

    return register


def writes(*ir_types: type) -> Callable[[Writer], Writer]:
    def register(fn: Writer) -> Writer:
        for t in ir_types:
            WRITERS[t] = fn
        return fn

    return register


def _f64(a: Any) -> np.ndarray:
    """A parameter as float64; complex values are refused (docs/robustness.md), not cut
    to their real part."""
    array = np.asarray(a)
    if array.dtype.kind == "c":
        raise TypeError("complex parameter values (NIR parameters are real numbers; the imaginary part would be "
                        "dropped)")
    return np.asarray(array, dtype=np.float64)


def _shape(t: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.asarray(t).reshape(-1))


def _size(*params: Any) -> tuple[int, ...]:
    """A neuron layer's shape: its parameters broadcast together (NIR wants them all the
    same shape; exporters also write 0-d or singleton ones, which the reader then
    broadcasts to the shape the layer receives, see :mod:`.shapes`)."""
    return tuple(int(d) for d in np.broadcast_shapes(*(np.shape(p) for p in params)))


def _spike_hints(node: SpikingNeuron | Threshold, ctx: WriteContext) -> None:
    """What NIR cannot say about spikes, kept as hints (NIR: zero reset, ``>``)."""
    if isinstance(node, SpikingNeuron):
        ctx.hints["reset"] = node.reset.value
        ctx.hints["reset_timing"] = node.reset_timing.value
    ctx.hints["comparator"] = node.comparator.value


def _leak(node: Any, ctx: WriteContext, decay: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(tau, 1 - decay) for a leaky node; refuses decay values no finite tau gives."""
    decay = np.asarray(decay, dtype=np.float64)
    tau = ctx.tau(decay)
    if not np.all(np.isfinite(tau)) or np.any(tau <= 0):
        raise UnsupportedError(
            f"node '{ctx.name}' ({node.kind}): {what} {np.unique(decay)[:4]} has no finite positive NIR "
            f"time constant with {ctx.discretization} at dt={ctx.dt}; use IF/Integrator for decay 1"
        )
    return tau, 1.0 - decay


# -- graph boundary ----------------------------------------------------------------------
@reads(nir.Input)
def _read_input(n, ctx):
    return Input(shape=_shape(n.input_type["input"]))


@writes(Input)
def _write_input(node, ctx):
    return nir.Input(input_type={"input": np.array(node.shape)})


@reads(nir.Output)
def _read_output(n, ctx):
    shape = n.output_type.get("output") if n.output_type else None
    return Output(shape=_shape(shape) if shape is not None else ())


@writes(Output)
def _write_output(node, ctx):
    return nir.Output(output_type={"output": np.array(node.shape)})


# -- synapses --------------------------------------------------------------------------
@reads(nir.Affine)
def _read_affine(n, ctx):
    weight = _f64(n.weight)
    return Linear(weight=weight, bias=_vector(n.bias, weight.shape[0], "bias", ctx))


def _vector(value: Any, size: int, what: str, ctx: ReadContext) -> np.ndarray:
    """A per-output vector written 0-d, (1,) or with singleton axes ((1, n): NIR's own
    test suite) is broadcast / squeezed to (size,), with a warning saying so."""
    value = _f64(value)
    if value.shape == (size,):
        return value
    if value.size == size and max(value.shape, default=1) == size or value.size == 1:
        warnings.warn(f"{ctx.source}: node '{ctx.name}': {what} of shape {value.shape} read as shape ({size},)",
                      stacklevel=5)
        return np.broadcast_to(value.reshape(-1), (size,)).copy()
    return value


@reads(nir.Linear)
def _read_linear(n, ctx):
    return Linear(weight=_f64(n.weight))


@writes(Linear)
def _write_linear(node, ctx):
    if node.bias is None:
        return nir.Linear(weight=node.weight)
    return nir.Affine(weight=node.weight, bias=node.bias)


@reads(nir.Scale)
def _read_scale(n, ctx):
    return Scale(scale=_f64(n.scale))


@writes(Scale)
def _write_scale(node, ctx):
    return nir.Scale(scale=ctx.full("scale", node.scale, ctx.in_shape))


@writes(Add)
def _write_add(node, ctx):
    """NIR sums a node's incoming edges, so an explicit sum is a Scale by one."""
    ctx.hints["kind"] = "Add"
    return nir.Scale(scale=np.ones(ctx.in_shape))


def _padding(n: Any, ndim: int, ctx: ReadContext) -> tuple[int, ...]:
    """NIR allows 'valid' / 'same' (stride 1); the IR wants symmetric integers."""
    if isinstance(n.padding, str):
        if n.padding == "valid":
            return (0,) * ndim
        kernel = n.weight.shape[2:]
        dilation = np.broadcast_to(np.asarray(n.dilation), (ndim,))
        total = [int(d) * (int(k) - 1) for d, k in zip(dilation, kernel)]
        if any(t % 2 for t in total) or np.any(np.asarray(n.stride) != 1):
            raise InputError(
                f"{ctx.source}: node '{ctx.name}': padding='same' with kernel {tuple(kernel)}, stride "
                f"{n.stride} needs asymmetric padding, which the IR does not have"
            )
        return tuple(t // 2 for t in total)
    return tuple(int(p) for p in np.broadcast_to(np.asarray(n.padding), (ndim,)))


def _conv_fields(n: Any, ndim: int, ctx: ReadContext) -> dict[str, Any]:
    def ints(v):
        return tuple(int(x) for x in np.broadcast_to(np.asarray(v), (ndim,)))

    weight = _f64(n.weight)
    if weight.ndim != ndim + 2:
        raise ValueError(f"Conv{ndim}d weight must have {ndim + 2} axes (out, in, {', '.join(['k'] * ndim)}), "
                         f"found shape {weight.shape}")
    no_bias = ctx.hints.get("no_bias") or n.bias is None
    bias = None if no_bias else _vector(n.bias, weight.shape[0], "bias", ctx)
    return dict(
        weight=_f64(n.weight), bias=bias, stride=ints(n.stride), padding=_padding(n, ndim, ctx),
        dilation=ints(n.dilation), groups=int(n.groups),
    )


@reads(nir.Conv1d)
def _read_conv1d(n, ctx):
    return Conv1d(**_conv_fields(n, 1, ctx))


@reads(nir.Conv2d)
def _read_conv2d(n, ctx):
    return Conv2d(**_conv_fields(n, 2, ctx))


@writes(Conv1d, Conv2d)
def _write_conv(node, ctx):
    if node.bias is None:
        ctx.hints["no_bias"] = True  # NIR convolutions always have a bias array
    bias = node.bias if node.bias is not None else np.zeros(node.weight.shape[0])
    spatial = ctx.in_shape[1:]
    common = dict(weight=node.weight, groups=node.groups, bias=bias)
    if isinstance(node, Conv1d):
        return nir.Conv1d(input_shape=int(spatial[0]), stride=node.stride[0], padding=node.padding[0],
                          dilation=node.dilation[0], **common)
    return nir.Conv2d(input_shape=tuple(spatial), stride=np.array(node.stride), padding=np.array(node.padding),
                      dilation=np.array(node.dilation), **common)


def _pool_fields(n: Any) -> dict[str, Any]:
    def pair(v):
        return tuple(int(x) for x in np.broadcast_to(np.asarray(v), (2,)))

    return dict(kernel_size=pair(n.kernel_size), stride=pair(n.stride), padding=pair(n.padding))


@reads(nir.SumPool2d)
def _read_sum_pool(n, ctx):
    return SumPool2d(**_pool_fields(n))


@reads(nir.AvgPool2d)
def _read_avg_pool(n, ctx):
    return AvgPool2d(**_pool_fields(n))


@writes(SumPool2d, AvgPool2d)
def _write_pool(node, ctx):
    cls = nir.SumPool2d if isinstance(node, SumPool2d) else nir.AvgPool2d
    return cls(kernel_size=np.array(node.kernel_size), stride=np.array(node.stride), padding=np.array(node.padding))


@reads(nir.Flatten)
def _read_flatten(n, ctx):
    # NIR's dims count per-sample axes, like the IR's (cnn_sinabs.nir: start_dim=0).
    return Flatten(start_dim=int(n.start_dim), end_dim=int(n.end_dim))


@writes(Flatten)
def _write_flatten(node, ctx):
    return nir.Flatten(input_type={"input": np.array(ctx.in_shape)}, start_dim=node.start_dim, end_dim=node.end_dim)


@reads(nir.Threshold)
def _read_threshold(n, ctx):
    return Threshold(threshold=_f64(n.threshold), comparator=ctx.choice("comparator"))


@writes(Threshold)
def _write_threshold(node, ctx):
    _spike_hints(node, ctx)
    return nir.Threshold(threshold=ctx.full("threshold", node.threshold, ctx.in_shape))


@reads(nir.Delay)
def _read_delay(n, ctx):
    seconds = _f64(n.delay)
    steps = seconds / ctx.dt
    whole = np.rint(steps)
    if np.any(np.abs(steps - whole) > 1e-6 * np.maximum(1.0, np.abs(whole))) or np.any(whole < 0):
        bad = seconds.reshape(-1)[np.argmax(np.abs(steps - whole).reshape(-1))]
        raise InputError(
            f"{ctx.source}: Delay node '{ctx.name}': delay {bad:g} s is {bad / ctx.dt:g} steps of dt={ctx.dt:g} s; "
            "the IR needs a whole, non-negative number of steps (pass a dt that divides it)"
        )
    return Delay(delay=whole.astype(np.int64))


@writes(Delay)
def _write_delay(node, ctx):
    return nir.Delay(delay=ctx.full("delay", node.delay, ctx.in_shape) * ctx.dt)


# -- neurons ---------------------------------------------------------------------------
@reads(nir.LIF)
def _read_lif(n, ctx):
    decay = ctx.decay(n.tau)
    return LIF(shape=_size(n.tau, n.r, n.v_leak, n.v_threshold, n.v_reset), decay=decay, gain=_f64(n.r) * (1 - decay),
               bias=_f64(n.v_leak) * (1 - decay), **ctx.spike_fields(n))


@writes(LIF)
def _write_lif(node, ctx):
    tau, leak = _leak(node, ctx, node.decay, "decay")
    s = node.shape
    _spike_hints(node, ctx)
    return nir.LIF(tau=ctx.full("decay", tau, s), r=ctx.full("gain", node.gain / leak, s),
                   v_leak=ctx.full("bias", node.bias / leak, s), v_threshold=ctx.full("threshold", node.threshold, s),
                   v_reset=ctx.full("v_reset", node.v_reset, s))


@reads(nir.LI)
def _read_li(n, ctx):
    decay = ctx.decay(n.tau)
    return LI(shape=_size(n.tau, n.r, n.v_leak), decay=decay, gain=_f64(n.r) * (1 - decay),
              bias=_f64(n.v_leak) * (1 - decay))


@writes(LI)
def _write_li(node, ctx):
    tau, leak = _leak(node, ctx, node.decay, "decay")
    s = node.shape
    return nir.LI(tau=ctx.full("decay", tau, s), r=ctx.full("gain", node.gain / leak, s),
                  v_leak=ctx.full("bias", node.bias / leak, s))


def _spike_params(n: Any) -> list[Any]:
    return [n.v_threshold, n.v_reset] if isinstance(n, nir.CubaLIF) else []


def _cuba_fields(n: Any, ctx: ReadContext) -> dict[str, Any]:
    syn_decay, decay = ctx.decay(n.tau_syn), ctx.decay(n.tau_mem)
    return dict(shape=_size(n.tau_syn, n.tau_mem, n.r, n.v_leak, n.w_in, *_spike_params(n)), syn_decay=syn_decay, syn_gain=_f64(n.w_in) * (1 - syn_decay),
                decay=decay, gain=_f64(n.r) * (1 - decay), bias=_f64(n.v_leak) * (1 - decay))


def _cuba_params(node: Any, ctx: WriteContext) -> dict[str, np.ndarray]:
    tau_syn, syn_leak = _leak(node, ctx, node.syn_decay, "syn_decay")
    tau_mem, leak = _leak(node, ctx, node.decay, "decay")
    s = node.shape
    return dict(tau_syn=ctx.full("syn_decay", tau_syn, s), tau_mem=ctx.full("decay", tau_mem, s),
                r=ctx.full("gain", node.gain / leak, s), v_leak=ctx.full("bias", node.bias / leak, s),
                w_in=ctx.full("syn_gain", node.syn_gain / syn_leak, s))


@reads(nir.CubaLIF)
def _read_cuba_lif(n, ctx):
    return CubaLIF(**_cuba_fields(n, ctx), **ctx.spike_fields(n))


@writes(CubaLIF)
def _write_cuba_lif(node, ctx):
    _spike_hints(node, ctx)
    s = node.shape
    return nir.CubaLIF(**_cuba_params(node, ctx), v_threshold=ctx.full("threshold", node.threshold, s),
                       v_reset=ctx.full("v_reset", node.v_reset, s))


@reads(nir.CubaLI)
def _read_cuba_li(n, ctx):
    return CubaLI(**_cuba_fields(n, ctx))


@writes(CubaLI)
def _write_cuba_li(node, ctx):
    return nir.CubaLI(**_cuba_params(node, ctx))


def _no_bias(node: Any, ctx: WriteContext) -> None:
    if np.any(node.bias != 0):
        raise UnsupportedError(
            f"node '{ctx.name}' ({node.kind}) has a bias; NIR's {'IF' if isinstance(node, IF) else 'I'} has none "
            "(use LIF/LI, or feed the bias through an Affine)"
        )


@reads(nir.IF)
def _read_if(n, ctx):
    return IF(shape=_size(n.r, n.v_threshold, n.v_reset), gain=_f64(n.r), **ctx.spike_fields(n))


@writes(IF)
def _write_if(node, ctx):
    _no_bias(node, ctx)
    _spike_hints(node, ctx)
    s = node.shape
    return nir.IF(r=ctx.full("gain", node.gain, s), v_threshold=ctx.full("threshold", node.threshold, s),
                  v_reset=ctx.full("v_reset", node.v_reset, s))


@reads(nir.I)
def _read_integrator(n, ctx):
    return Integrator(shape=_size(n.r), gain=_f64(n.r))


@writes(Integrator)
def _write_integrator(node, ctx):
    _no_bias(node, ctx)
    return nir.I(r=ctx.full("gain", node.gain, node.shape))

"""One ONNX emitter per IR node kind: the node's step, written as ONNX operators.

An emitter ``emit(b, name, node, x, in_shape, states) -> value`` receives the node's
summed input ``x`` (float32, ``(batch, *in_shape)``) and returns the value holding its
output for this step. For a node with operand ports, ``x`` and ``in_shape`` are dicts
port -> value / shape; for a source node (Constant) ``x`` is None. Stateful emitters declare their slots in ``states`` and bind the
updated tensor to the slot's ``.next`` output. Each emitter mirrors the reference kernel
of the same kind (``snncompile.simulate.kernels``) operation by operation, so that the
float32 results agree with the reference run in float32.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from onnx import TensorProto

from snncompile.backends.onnx.builder import Builder
from snncompile.backends.onnx.state import StateTable
from snncompile.errors import UnsupportedError
from snncompile.ir import (
    IF,
    LI,
    LIF,
    Add,
    AvgPool2d,
    BatchNorm,
    Comparator,
    Constant,
    Conv1d,
    Conv2d,
    Conv3d,
    CubaLI,
    CubaLIF,
    Delay,
    Flatten,
    Integrator,
    Linear,
    MaxPool2d,
    NeuronNode,
    Node,
    Output,
    RandomSpikes,
    Reset,
    ResetTiming,
    Scale,
    Shape,
    SpikingNeuron,
    SumPool2d,
    Threshold,
)

#: ``emit(b: Builder, name: str, node: <its kind>, x: str, in_shape: Shape, states: StateTable) -> str``
Emitter = Callable[..., str]
#: node class -> emitter, looked up by the exact class: a subclass (a fixed-point neuron,
#: say) may mean something else, so it is refused rather than guessed.
EMITTERS: dict[type[Node], Emitter] = {}
#: float-graph kinds that have no ONNX form, with the reason
NOT_EXPORTED: dict[type[Node], str] = {
    RandomSpikes: "its seeded stream mixes 64-bit integers with xor (ONNX's BitwiseXor needs opset 18, the "
                  "exporter targets older ones too): run it on the reference or the emulator",
}


def emits(*classes: type[Node]) -> Callable[[Emitter], Emitter]:
    def register(fn: Emitter) -> Emitter:
        for cls in classes:
            EMITTERS[cls] = fn
        return fn

    return register


def emitter_for(name: str, node: Node) -> Emitter:
    if type(node) in EMITTERS:
        return EMITTERS[type(node)]
    if type(node) in NOT_EXPORTED:
        raise UnsupportedError(f"node '{name}' ({node.kind}): no ONNX form: {NOT_EXPORTED[type(node)]}")
    known = ", ".join(sorted(cls.kind for cls in EMITTERS))
    raise UnsupportedError(
        f"node '{name}': the ONNX exporter has no emitter for node kind '{node.kind}' "
        f"(it exports float graphs of kinds {known})"
    )


def _spikes(b: Builder, v: str, threshold: str, comparator: Comparator, hint: str) -> tuple[str, str]:
    """(boolean fired, float32 0/1 spikes) for ``v > threshold`` or ``v >= threshold``."""
    op = "GreaterOrEqual" if comparator is Comparator.GE else "Greater"
    fired = b.op(op, [v, threshold], hint)
    return fired, b.op("Cast", [fired], hint, to=TensorProto.FLOAT)


@emits(LIF, CubaLIF, IF, LI, CubaLI, Integrator)
def _neuron(b: Builder, name: str, node: NeuronNode, x: str, in_shape: Shape, states: StateTable) -> str:
    """Integrate (see :func:`_integrate`); spiking kinds then fire and reset."""
    v_slot = states.add(name, "v", node.shape, "membrane after the step (post-reset if IMMEDIATE, pre-reset if DELAYED)")
    if not isinstance(node, SpikingNeuron):
        return b.bind(_integrate(b, name, node, x, v_slot.name, states), v_slot.next_name)
    delayed = node.reset_timing is ResetTiming.DELAYED and node.reset is not Reset.NONE
    v = v_slot.name
    if delayed:
        s_slot = states.add(name, "s", node.shape, "spikes of the previous step (their reset is applied in this step)")
        if node.reset is Reset.ZERO:  # v := v_reset before the decay
            was_fired = b.op("Cast", [s_slot.name], name, to=TensorProto.BOOL)
            v = b.op("Where", [was_fired, b.const(node.v_reset, f"{name}/v_reset"), v], name)
    held = v  # a refractory step keeps v as it is after the (delayed) reset
    v = _integrate(b, name, node, x, v, states)
    threshold = b.const(node.threshold, f"{name}/threshold")
    if delayed and node.reset is Reset.SUBTRACT:  # undecayed: after the integration
        v = b.op("Sub", [v, b.op("Mul", [threshold, s_slot.name], name)], name)
        held = b.op("Sub", [held, b.op("Mul", [threshold, s_slot.name], name)], name)
    fired, s = _spikes(b, v, threshold, node.comparator, name)
    if node.refractory:
        v, fired, s = _refractory(b, name, node, v, held, fired, states)
    if not delayed and node.reset is Reset.ZERO:
        v = b.op("Where", [fired, b.const(node.v_reset, f"{name}/v_reset"), v], name)
    elif not delayed and node.reset is Reset.SUBTRACT:
        v = b.op("Sub", [v, b.op("Mul", [threshold, s], name)], name)
    b.bind(v, v_slot.next_name)
    return b.bind(s, s_slot.next_name) if delayed else s


def _refractory(b: Builder, name: str, node: SpikingNeuron, v: str, held: str, fired: str,
                states: StateTable) -> tuple[str, str, str]:
    """Steps left ``r`` (a float state): where ``r > 0`` v is ``held`` and nothing fires;
    a spike sets ``r = refractory``, else ``r = max(r - 1, 0)``."""
    r_slot = states.add(name, "refractory", node.shape, "refractory steps left after the step")
    quiet = b.op("Greater", [r_slot.name, b.const(np.zeros(()), f"{name}/zero")], name)
    v = b.op("Where", [quiet, held, v], name)
    fired = b.op("And", [fired, b.op("Not", [quiet], name)], name)
    s = b.op("Cast", [fired], name, to=TensorProto.FLOAT)
    one = b.const(np.ones(()), f"{name}/one")
    counted = b.op("Max", [b.op("Sub", [r_slot.name, one], name), b.const(np.zeros(()), f"{name}/zero2")], name)
    b.bind(b.op("Where", [fired, b.const(np.full((), float(node.refractory)), f"{name}/period"), counted], name),
           r_slot.next_name)
    return v, fired, s


def _integrate(b: Builder, name: str, node: NeuronNode, x: str, v: str, states: StateTable) -> str:
    """``i = syn_decay i + syn_gain x`` (Cuba kinds); ``v = decay v + gain i + bias``."""
    d = node.dynamics()
    drive = x
    if d.has_current:
        i_slot = states.add(name, "i", node.shape, "synaptic current after the step")
        decayed = b.mul(i_slot.name, d.syn_decay, f"{name}/syn_decay")
        i = b.op("Add", [decayed, b.mul(x, d.syn_gain, f"{name}/syn_gain")], name)
        drive = b.bind(i, i_slot.next_name)
    v = b.op("Add", [b.mul(v, d.decay, f"{name}/decay"), b.mul(drive, d.gain, f"{name}/gain")], name)
    return b.add(v, d.bias, f"{name}/bias")


@emits(Linear)
def _linear(b, name, node: Linear, x, in_shape, states):
    """``y = x W^T + b`` over the last axis; with per-synapse delays
    ``y = sum_d x[t - d] W_d^T + b`` (see :func:`_delayed_sum`)."""
    def term(value, d, w):
        return b.op("MatMul", [value, b.const(w.T, f"{name}/weight_t{d}")], name)

    y = _delayed_sum(b, name, node, x, in_shape, states, term)
    if node.bias is not None:
        y = b.op("Add", [y, b.const(node.bias, f"{name}/bias")], name)
    return y


def _delayed_sum(b, name, node, x, in_shape, states, term) -> str:
    """``sum_d term(x[t - d], d, W_d)`` over a synapse's delay groups (``term(x, 0, W)``
    without delays), reading past inputs from a ``buffer`` slot of the last ``max d``
    inputs (as the Delay emitter does)."""
    depth = node.max_delay()
    if depth == 0:
        return term(x, 0, node.weight)
    slot = states.add(name, "buffer", (depth, *in_shape), "last inputs, index k-1 = k steps ago")
    now = b.op("Unsqueeze", [x, b.ints([1], f"{name}/axis")], name)
    history = b.op("Concat", [now, slot.name], name, axis=1)  # index k = k steps ago
    y = None
    for d, w in node.delay_groups():
        past = x if d == 0 else b.op("Gather", [history, b.const(np.int64(d), f"{name}/delay{d}", np.int64)],
                                     name, axis=1)
        t = term(past, d, w)
        y = t if y is None else b.op("Add", [y, t], name)
    kept = b.op("Slice", [history, b.ints([0], f"{name}/start"), b.ints([depth], f"{name}/end"),
                          b.ints([1], f"{name}/axis")], name)
    b.bind(kept, slot.next_name)
    assert y is not None
    return y


@emits(Constant)
def _constant(b, name, node: Constant, x, in_shape, states):
    """The value expanded to ``(batch, *shape)`` (the batch size read off the first input)."""
    value = b.const(node.value[None], f"{name}/value")
    return b.op("Expand", [value, b.batch_shape(node.value.shape, name)], name)


@emits(Conv1d, Conv2d, Conv3d)
def _conv(b, name, node, x, in_shape, states):
    attrs = dict(kernel_shape=list(node.weight.shape[2:]), strides=list(node.stride),
                 pads=list(node.padding) * 2, dilations=list(node.dilation), group=node.groups)
    if node.max_delay() == 0:
        inputs = [x, b.const(node.weight, f"{name}/weight")]
        if node.bias is not None:
            inputs.append(b.const(node.bias, f"{name}/bias"))
        return b.op("Conv", inputs, name, **attrs)

    def term(value, d, w):
        return b.op("Conv", [value, b.const(w, f"{name}/weight{d}")], name, **attrs)

    y = _delayed_sum(b, name, node, x, in_shape, states, term)
    if node.bias is not None:
        y = b.op("Add", [y, b.const(node.bias.reshape(-1, *([1] * (len(in_shape) - 1))), f"{name}/bias")], name)
    return y


def _pool_attrs(node) -> dict:
    return dict(kernel_shape=list(node.kernel_size), strides=list(node.stride), pads=list(node.padding) * 2)


@emits(SumPool2d)
def _sum_pool(b, name, node: SumPool2d, x, in_shape, states):
    """Window sums as a depthwise convolution with a kernel of ones (exact on spikes;
    ONNX has no sum pool, and AveragePool times the window size would round)."""
    channels = in_shape[0]
    ones = b.const(np.ones((channels, 1, *node.kernel_size)), f"{name}/ones")
    attrs = _pool_attrs(node)
    return b.op("Conv", [x, ones], name, group=channels, **attrs)


@emits(AvgPool2d)
def _avg_pool(b, name, node: AvgPool2d, x, in_shape, states):
    return b.op("AveragePool", [x], name, count_include_pad=1, **_pool_attrs(node))


@emits(MaxPool2d)
def _max_pool(b, name, node: MaxPool2d, x, in_shape, states):
    return b.op("MaxPool", [x], name, **_pool_attrs(node))


@emits(Flatten)
def _flatten(b, name, node: Flatten, x, in_shape, states):
    """Reshape to ``(batch, *out_shape)`` (``0`` copies the batch dimension)."""
    return b.op("Reshape", [x, b.ints([0, *node.output_shape(in_shape)], f"{name}/shape")], name)


@emits(Scale)
def _scale(b, name, node: Scale, x, in_shape, states):
    return b.op("Mul", [x, b.const(node.scale, f"{name}/scale")], name)


@emits(Threshold)
def _threshold(b, name, node: Threshold, x, in_shape, states):
    return _spikes(b, x, b.const(node.threshold, f"{name}/threshold"), node.comparator, name)[1]


@emits(Add)
def _add(b, name, node, x, in_shape, states):
    """Incoming edges are already summed into ``x``."""
    return x


@emits(Output)
def _output(b, name, node, x, in_shape, states):
    return b.bind(x, name)


@emits(BatchNorm)
def _batch_norm(b, name, node: BatchNorm, x, in_shape, states):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with explicit operators (the IR's
    equation in the reference's order; ONNX BatchNormalization may fold it differently)."""
    view = (-1,) + (1,) * (len(in_shape) - 1)

    def param(a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.float32).reshape(view) if a.ndim else np.asarray(a, dtype=np.float32)

    std = np.sqrt(param(node.var) + np.float32(node.eps))
    y = b.op("Sub", [x, b.const(param(node.mean), f"{name}/mean")], name)
    y = b.op("Div", [y, b.const(std, f"{name}/std")], name)
    y = b.mul(y, param(node.weight), f"{name}/weight")
    return b.add(y, param(node.bias), f"{name}/bias")


@emits(Delay)
def _delay(b, name, node: Delay, x, in_shape, states):
    """``y[t] = x[t - delay]`` per element, from a buffer of the last ``max(delay)`` inputs."""
    delay = np.broadcast_to(node.delay, in_shape)
    depth = int(delay.max()) if delay.size else 0
    if depth == 0:
        return x
    slot = states.add(name, "buffer", (depth, *in_shape), "last inputs, index k-1 = k steps ago")
    now = b.op("Unsqueeze", [x, b.ints([1], f"{name}/axis")], name)
    history = b.op("Concat", [now, slot.name], name, axis=1)  # index k = k steps ago
    if np.all(delay == delay.flat[0]):
        y = b.op("Gather", [history, b.const(np.int64(delay.flat[0]), f"{name}/delay", np.int64)], name, axis=1)
    else:
        index = b.const(delay.reshape(1, 1, *in_shape), f"{name}/delay", np.int64)
        index = b.op("Expand", [index, b.op("Shape", [now], name)], name)
        picked = b.op("GatherElements", [history, index], name, axis=1)
        y = b.op("Squeeze", [picked, b.ints([1], f"{name}/axis")], name)
    kept = b.op("Slice", [history, b.ints([0], f"{name}/start"), b.ints([depth], f"{name}/end"), b.ints([1], f"{name}/axis")], name)
    b.bind(kept, slot.next_name)
    return y

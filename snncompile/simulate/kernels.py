"""Reference step kernels, one per node kind, in torch (batched, float64 by default).

Each kernel is built once per node (parameters become tensors) from the node and the
per-sample shape at each of its operand ports (``{"": shape}`` for a node that sums its
inputs), then called once per time step with the node's input: the summed input ``x`` of
shape (batch, *in_shape); for a node with ``ports``, a dict port -> tensor; for a source
node (``Constant``), None. Stateful kernels keep their state between calls;
:meth:`Kernel.reset` starts a new run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from snncompile.ir import (
    Add,
    AvgPool2d,
    BatchNorm,
    Comparator,
    Constant,
    Conv1d,
    Conv2d,
    Conv3d,
    Delay,
    Flatten,
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
from snncompile.ir.node import SUM

#: per-sample shape at each operand port of a node
Operands = Mapping[str, Shape]


class Kernel:
    """One node's executable step. Stateless kernels only implement :meth:`step`."""

    membrane: torch.Tensor | None = None

    def reset(self, batch: int, first_sample: int = 0) -> None:  # noqa: B027 - stateless kernels need nothing
        """Start a run of ``batch`` samples whose row ``k`` is sample ``first_sample + k``
        of the data set (:class:`~snncompile.simulate.backend.RunInputs`; only seeded
        sources depend on it)."""

    def step(self, x: Any) -> torch.Tensor:
        raise NotImplementedError


class FunctionKernel(Kernel):
    """A stateless kernel: ``fn(x)`` (``fn(**operands)`` for a node with ports)."""

    def __init__(self, fn: Callable[..., torch.Tensor]):
        self.fn = fn

    def step(self, x: Any) -> torch.Tensor:
        return self.fn(**x) if isinstance(x, dict) else self.fn(x)


Builder = Callable[[Node, Operands, torch.dtype], Kernel]
#: node class -> builder; executors for other kinds register here.
KERNEL_BUILDERS: dict[type, Builder] = {}


def builds(*classes: type) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        for cls in classes:
            KERNEL_BUILDERS[cls] = fn
        return fn

    return register


def build_kernel(node: Node, shapes: Operands, dtype: torch.dtype) -> Kernel:
    for cls in type(node).__mro__:
        if cls in KERNEL_BUILDERS:
            return KERNEL_BUILDERS[cls](node, shapes, dtype)
    from snncompile.errors import UnsupportedError

    raise UnsupportedError(f"the reference simulator has no kernel for node kind '{node.kind}'")


def _t(array, dtype: torch.dtype) -> torch.Tensor:
    return torch.as_tensor(array, dtype=dtype)


def _fires(v: torch.Tensor, threshold: torch.Tensor, comparator: Comparator) -> torch.Tensor:
    return v >= threshold if comparator is Comparator.GE else v > threshold


class NeuronKernel(Kernel):
    """Implements :class:`snncompile.ir.Dynamics` plus spike, reset and refractory period
    (see neurons.py)."""

    def __init__(self, node: NeuronNode, dtype: torch.dtype):
        d = node.dynamics()
        self.shape = node.shape
        self.dtype = dtype
        self.has_current = d.has_current
        self.syn_decay, self.syn_gain = _t(d.syn_decay, dtype), _t(d.syn_gain, dtype)
        self.decay, self.gain, self.bias = _t(d.decay, dtype), _t(d.gain, dtype), _t(d.bias, dtype)
        self.spiking = d.spiking
        self.refractory = 0
        if isinstance(node, SpikingNeuron):
            self.threshold = _t(node.threshold, dtype)
            self.v_reset = _t(node.v_reset, dtype)
            self.reset_mode = node.reset
            self.delayed = node.reset_timing is ResetTiming.DELAYED
            self.comparator = node.comparator
            self.refractory = node.refractory

    def reset(self, batch: int, first_sample: int = 0) -> None:
        zeros = torch.zeros((batch, *self.shape), dtype=self.dtype)
        self.i, self.membrane, self.s_prev = zeros, zeros.clone(), zeros.clone()
        self.left = torch.zeros((batch, *self.shape), dtype=torch.int64)  # refractory steps left

    def step(self, x: torch.Tensor) -> torch.Tensor:
        v = self.membrane
        assert v is not None
        if self.spiking and self.delayed and self.reset_mode is Reset.ZERO:
            v = torch.where(self.s_prev.bool(), self.v_reset, v)
        if self.has_current:
            self.i = self.syn_decay * self.i + self.syn_gain * x
            drive = self.i
        else:
            drive = x
        held = v
        v = self.decay * v + self.gain * drive + self.bias
        if not self.spiking:
            self.membrane = v
            return v
        if self.delayed and self.reset_mode is Reset.SUBTRACT:
            v = v - self.threshold * self.s_prev
            held = held - self.threshold * self.s_prev
        s = _fires(v, self.threshold, self.comparator)
        if self.refractory:
            refractory = self.left > 0
            v = torch.where(refractory, held, v)
            s = s & ~refractory
            self.left = torch.where(s, self.refractory, self.left - refractory.to(torch.int64))
        s = s.to(self.dtype)
        if not self.delayed:
            if self.reset_mode is Reset.ZERO:
                v = torch.where(s.bool(), self.v_reset, v)
            elif self.reset_mode is Reset.SUBTRACT:
                v = v - self.threshold * s
        self.membrane, self.s_prev = v, s
        return s


@builds(NeuronNode)
def _neuron(node, in_shape, dtype):
    return NeuronKernel(node, dtype)


class DelayedSynapseKernel(Kernel):
    """A synapse with per-synapse delays: ``y[t] = sum_d op(x[t - d], W_d) + b`` over the
    distinct delays ``d`` (``W_d`` the weights of delay ``d``, 0 elsewhere), from a ring
    buffer of the last ``max d + 1`` inputs (zeros before step 0)."""

    def __init__(self, op: Callable[..., torch.Tensor], groups: list, bias: torch.Tensor | None,
                 in_shape: Shape, dtype: torch.dtype):
        self.op, self.bias, self.shape, self.dtype = op, bias, tuple(in_shape), dtype
        self.groups = [(d, _t(w, dtype)) for d, w in groups]
        self.length = max(d for d, _ in groups) + 1

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.buffer = torch.zeros((self.length, batch, *self.shape), dtype=self.dtype)
        self.t = 0

    def step(self, x: torch.Tensor) -> torch.Tensor:
        self.buffer[self.t % self.length] = x
        y = None
        for d, w in self.groups:
            term = self.op(self.buffer[(self.t - d) % self.length], w)
            y = term if y is None else y + term
        self.t += 1
        assert y is not None
        return y if self.bias is None else y + self.bias


def _synapse_kernel(node, in_shape: Shape, dtype: torch.dtype, op: Callable[..., torch.Tensor]) -> Kernel:
    """A synapse with delays as a :class:`DelayedSynapseKernel` (``op(x, W)``; the bias
    per output channel, axis 0 of the per-sample output)."""
    b = None
    if node.bias is not None:
        out_rank = len(node.output_shape(in_shape))
        b = _t(node.bias, dtype).reshape((-1,) + (1,) * (out_rank - 1)) if node.operator != "linear" \
            else _t(node.bias, dtype)
    return DelayedSynapseKernel(op, node.delay_groups(), b, in_shape, dtype)


@builds(Linear)
def _linear(node, shapes, dtype):
    if node.max_delay() == 0:  # F.linear's fused bias: the float ops PyTorch's own Linear does
        w = _t(node.weight, dtype)
        b = None if node.bias is None else _t(node.bias, dtype)
        return FunctionKernel(lambda x: F.linear(x, w, b))
    return _synapse_kernel(node, shapes[SUM], dtype, F.linear)


_CONVOLUTIONS = {"conv1d": F.conv1d, "conv2d": F.conv2d, "conv3d": F.conv3d}


@builds(Conv1d, Conv2d, Conv3d)
def _conv(node, shapes, dtype):
    conv = _CONVOLUTIONS[node.operator]
    kwargs = dict(stride=node.stride, padding=node.padding, dilation=node.dilation, groups=node.groups)
    if node.max_delay() == 0:
        w = _t(node.weight, dtype)
        b = None if node.bias is None else _t(node.bias, dtype)
        return FunctionKernel(lambda x: conv(x, w, b, **kwargs))
    return _synapse_kernel(node, shapes[SUM], dtype, lambda x, w: conv(x, w, None, **kwargs))


@builds(SumPool2d)
def _sum_pool(node, in_shape, dtype):
    kw = dict(kernel_size=node.kernel_size, stride=node.stride, padding=node.padding)
    return FunctionKernel(lambda x: F.avg_pool2d(x, divisor_override=1, **kw))


@builds(AvgPool2d)
def _avg_pool(node, in_shape, dtype):
    kw = dict(kernel_size=node.kernel_size, stride=node.stride, padding=node.padding)
    return FunctionKernel(lambda x: F.avg_pool2d(x, count_include_pad=True, **kw))


@builds(MaxPool2d)
def _max_pool(node, in_shape, dtype):
    kw = dict(kernel_size=node.kernel_size, stride=node.stride, padding=node.padding)
    return FunctionKernel(lambda x: F.max_pool2d(x, **kw))


@builds(Flatten)
def _flatten(node, shapes, dtype):
    out_shape = node.output_shape(shapes[SUM])
    return FunctionKernel(lambda x: x.reshape(x.shape[0], *out_shape))


@builds(Scale)
def _scale(node, in_shape, dtype):
    s = _t(node.scale, dtype)
    return FunctionKernel(lambda x: x * s)


@builds(Threshold)
def _threshold(node, in_shape, dtype):
    th = _t(node.threshold, dtype)
    return FunctionKernel(lambda x: _fires(x, th, node.comparator).to(dtype))


@builds(Add, Output)
def _identity(node, in_shape, dtype):
    return FunctionKernel(lambda x: x)


@builds(BatchNorm)
def _batch_norm(node, shapes, dtype):
    view = (-1,) + (1,) * (len(shapes[SUM]) - 1)

    def param(a):
        return _t(a, dtype).reshape(view) if a.ndim else _t(a, dtype)

    mean, w, b = param(node.mean), param(node.weight), param(node.bias)
    std = torch.sqrt(param(node.var) + node.eps)
    return FunctionKernel(lambda x: (x - mean) / std * w + b)


class DelayKernel(Kernel):
    """``y[t] = x[t - delay]`` per element, from a ring buffer of the last max+1 inputs."""

    def __init__(self, node: Delay, in_shape: Shape, dtype: torch.dtype):
        self.shape, self.dtype = tuple(in_shape), dtype
        self.delay = torch.as_tensor(node.delay).expand(self.shape).to(torch.int64)
        self.length = int(self.delay.max()) + 1 if self.delay.numel() else 1

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.buffer = torch.zeros((self.length, batch, *self.shape), dtype=self.dtype)
        self.t = 0

    def step(self, x: torch.Tensor) -> torch.Tensor:
        self.buffer[self.t % self.length] = x
        slot = (self.t - self.delay) % self.length  # per element
        index = slot.unsqueeze(0).expand(1, x.shape[0], *self.shape)
        y = torch.gather(self.buffer, 0, index)[0]
        self.t += 1
        return y


@builds(Delay)
def _delay(node, shapes, dtype):
    return DelayKernel(node, shapes[SUM], dtype)


class ConstantKernel(Kernel):
    """``y[t] = value`` for every sample (a source: it takes no input)."""

    def __init__(self, node: Constant, dtype: torch.dtype):
        self.value = _t(node.value, dtype)

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.out = self.value.expand(batch, *self.value.shape)

    def step(self, x: Any) -> torch.Tensor:
        return self.out


@builds(Constant)
def _constant(node, shapes, dtype):
    return ConstantKernel(node, dtype)


class RandomSpikesKernel(Kernel):
    """The seeded stream of :class:`~snncompile.ir.random_source.RandomSpikes`: row ``k``
    of the batch draws for sample ``b = first_sample + k`` of the data set; the step
    counts from :meth:`reset`."""

    def __init__(self, node: RandomSpikes, dtype: torch.dtype):
        self.node, self.dtype = node, dtype

    def reset(self, batch: int, first_sample: int = 0) -> None:
        self.samples, self.t = np.arange(first_sample, first_sample + batch, dtype=np.int64), 0

    def step(self, x: Any) -> torch.Tensor:
        spikes = self.node.spikes(self.samples, self.t).reshape(len(self.samples), *self.node.shape)
        self.t += 1
        return torch.as_tensor(spikes, dtype=self.dtype)


@builds(RandomSpikes)
def _random_spikes(node, shapes, dtype):
    return RandomSpikesKernel(node, dtype)


def prod(shape: Shape) -> int:
    return math.prod(shape)


# the host operations' kernels register here, so every user of KERNEL_BUILDERS sees them
# (imported last: host_kernels imports this module's names)
from snncompile.simulate import host_kernels  # noqa: E402,F401

"""Integer (fixed-point) nodes: what a Loihi-style chip computes, bit for bit.

A *fixed graph* is an ordinary :class:`~snncompile.ir.graph.Graph` whose neurons and
synapses are the integer nodes below (plus ``Input``, ``Output`` and ``Flatten``). All
arithmetic is on integers; every bit width is a field, so a target can set it.

Timing is explicit in the edges. The graph's step semantics are unchanged (see
``ir/graph.py``); hardware latency is written as edge delays:

- a synapse node (``FixedLinear``, ``FixedConv2d``) maps the spikes it receives at step
  ``t`` to a synaptic input computed at ``t``; on Loihi/Lava that input reaches the next
  neuron population at ``t + 1`` (every synapse stage adds one step, ``SYNAPSE_LATENCY``),
  so the edge synapse -> neuron has ``delay = SYNAPSE_LATENCY + d`` where ``d`` is the
  extra axonal delay (Lava's DelayDense delivers at ``t + 1 + d``, ``0 <= d <= 63``);
- per-synapse delays (``FixedLinear.delays``) add to the edge delay;
- recurrence ``LIF -> FixedLinear -> same LIF`` is valid because the synapse edge has
  delay >= 1;
- ``Input`` data column ``t`` is sent at step ``t`` (Lava's RingBuffer source), spikes of a
  neuron population at step ``t`` reach an ``Output`` at step ``t``.

Comparing with the float reference (which has zero-latency synapses) therefore means
shifting by ``SYNAPSE_LATENCY`` per synapse stage on the path; :func:`path_latency` gives
that number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar

import numpy as np

from snncompile.ir.graph import DEFAULT_DT, Graph
from snncompile.ir.neurons import NeuronNode, NeuronTraits
from snncompile.ir.node import Node, Shape, register_node
from snncompile.ir.ops import Flatten, Input, Output
from snncompile.ir.semantics import Comparator, Reset
from snncompile.ir.stage import Stage, is_integer_graph
from snncompile.ir.synapse import Synapse

#: Steps a synapse stage adds between a spike and the neuron update it affects (Lava, Loihi).
SYNAPSE_LATENCY = 1
#: Largest extra axonal delay one Loihi 2 synapse can hold (6 bits).
MAX_SYNAPSE_DELAY = 63
#: Payload width of graded messages into a synapse (Lava's Dense num_message_bits).
GRADED_MESSAGE_BITS = 24


class SignMode(str, Enum):
    """Weight sign mode of a synapse matrix (Lava's ``SignMode``): ``MIXED`` stores signed
    weights in ``[-256, 255]``, ``EXCITATORY`` in ``[0, 255]``, ``INHIBITORY`` in ``[-255, 0]``."""

    MIXED = "mixed"
    EXCITATORY = "excitatory"
    INHIBITORY = "inhibitory"


def _int_array(value) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"integer parameter expected, found non-integer values {arr.ravel()[:4]}")
    return arr.astype(np.int64, copy=False)  # no copy when it already is: replace() runs this per node


def _range_problems(name: str, value, lo: int, hi: int) -> list[str]:
    arr = np.asarray(value)
    if arr.size and (arr.min() < lo or arr.max() > hi):
        return [f"{name} must lie in [{lo}, {hi}], found [{arr.min()}, {arr.max()}]"]
    return []


def wrap(x: np.ndarray, bits: int) -> np.ndarray:
    """Two's-complement wrap of int64 values into ``bits`` signed bits."""
    half = np.int64(1) << (bits - 1)
    return ((x + half) & ((half << 1) - 1)) - half


#: what a FixedLIF outputs: its spikes (or graded payloads) or its membrane ``v``
FIXED_OUTPUTS = ("spikes", "v")


# -- neurons -------------------------------------------------------------------------------


@register_node
@dataclass(eq=False, kw_only=True)
class FixedLIF(NeuronNode):
    """Loihi's current-based LIF neuron in integer arithmetic (Lava ``LIF``, ``fixed_pt``).

    Per step, with ``a`` the sum of the integer synaptic inputs received this step
    (``D = 2**decay_bits = 4096``, ``S = state_bits = 24``, ``trunc0`` rounds toward zero,
    ``wrap32`` is int32 two's-complement wrap)::

        u = wrap32(trunc0(u * (D - (du + 1)) / D) + wrap32(a << act_shift))
        u = u - 2**S   if u >  2**(S-1)          # one wrap into S bits, as Lava does
        u = u + 2**S   if u <= -2**(S-1)
        v = trunc0(v * (D - dv) / D) + u + (bias_mant << bias_exp)   # >> -bias_exp if < 0
        v = clip(v, -(2**(S-1) - 1), 2**(S-1) - 1)                   # saturates
        s = v > (vth << vth_shift)         # >= when comparator is GE
        reset ZERO: v = 0 where s;  SUBTRACT: v -= vth << vth_shift;  NONE: v unchanged

    ``u`` is never reset. ``du = 4095`` keeps no current (u = a << 6), ``du = -1`` keeps all
    of it (no decay), ``dv = 0`` means no voltage decay. ``du``, ``dv``, ``vth`` are one value
    per population; ``bias_mant``/``bias_exp`` broadcast to ``shape``.

    Output: ``s`` (0/1) when ``graded`` is False; when ``graded`` is True a spiking neuron
    sends the payload ``v_pre_reset >> vth_shift`` (a graded spike; Loihi 2 only, Lava's LIF
    cannot). Lava runs ``reset=ZERO``, ``comparator=GT``, ``graded=False`` only.

    Membrane readout (``output="v"``; default ``"spikes"``): the neuron never compares,
    never spikes and never resets; its output at each step is the integer ``v`` after the
    clip above (the non-spiking LI / CubaLI / Integrator kinds: a Loihi LIF whose threshold
    is never reached and whose membrane is read out). ``scale`` states what the integer
    means: the float value is ``v / scale`` (set by the quantizer; 1 when built by hand).
    ``vth``, ``reset`` and ``comparator`` are ignored, ``graded`` must be False.
    """

    kind: ClassVar[str] = "FixedLIF"
    stage: ClassVar[Stage] = Stage.INTEGER
    du: int = 0
    dv: int = 0
    vth: int = 1
    bias_mant: np.ndarray = field(default_factory=lambda: np.zeros((), np.int64))
    bias_exp: np.ndarray = field(default_factory=lambda: np.zeros((), np.int64))
    reset: Reset = Reset.ZERO
    comparator: Comparator = Comparator.GT
    graded: bool = False
    output: str = "spikes"
    scale: float = 1.0
    # bit widths (from the target)
    state_bits: int = 24
    decay_bits: int = 12
    vth_bits: int = 17
    bias_bits: int = 13
    vth_shift: int = 6
    act_shift: int = 6

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        self.reset = Reset(self.reset)
        self.comparator = Comparator(self.comparator)
        for name in ("du", "dv", "vth", "state_bits", "decay_bits", "vth_bits", "bias_bits",
                     "vth_shift", "act_shift"):
            setattr(self, name, int(getattr(self, name)))
        self.graded = bool(self.graded)
        self.output = str(self.output)
        self.scale = float(self.scale)
        self.bias_mant = _int_array(self.bias_mant)
        self.bias_exp = _int_array(self.bias_exp)

    @property
    def spiking(self) -> bool:  # type: ignore[override]  # 0/1 output unless graded payloads or v
        return not self.graded and not self.reads_membrane

    @property
    def reads_membrane(self) -> bool:
        """True for a membrane readout (``output="v"``): outputs ``v``, never spikes."""
        return self.output == "v"

    def _coefficients(self) -> dict[str, np.ndarray]:
        return {"bias_mant": self.bias_mant, "bias_exp": self.bias_exp}

    def check(self, input_shape: Shape) -> list[str]:
        problems = super().check(input_shape)
        unity = 1 << self.decay_bits
        problems += _range_problems("du", self.du, -1, unity - 1)
        problems += _range_problems("dv", self.dv, 0, unity - 1)
        problems += _range_problems("vth", self.vth, 0, (1 << self.vth_bits) - 1)
        half = 1 << (self.bias_bits - 1)
        problems += _range_problems("bias_mant", self.bias_mant, -half, half - 1)
        problems += _range_problems("bias_exp", self.bias_exp, -7, 7)
        if self.output not in FIXED_OUTPUTS:
            problems.append(f"output must be one of {list(FIXED_OUTPUTS)}, found {self.output!r}")
        if self.reads_membrane and self.graded:
            problems.append("a membrane readout (output='v') cannot also send graded spikes")
        if not (np.isfinite(self.scale) and self.scale > 0):
            problems.append(f"scale must be finite and > 0, found {self.scale}")
        return problems

    def effective_bias(self) -> np.ndarray:
        """``bias_mant << bias_exp`` (arithmetic right shift for negative exponents)."""
        mant = np.broadcast_to(self.bias_mant, self.shape).astype(np.int64)
        exp = np.broadcast_to(self.bias_exp, self.shape).astype(np.int64)
        return np.where(exp >= 0, mant << np.maximum(exp, 0), mant >> np.maximum(-exp, 0))

    def effective_threshold(self) -> int:
        return self.vth << self.vth_shift

    def traits(self) -> NeuronTraits:
        # Loihi's CUBA LIF always holds a current u and a voltage v; bias = mant << exp
        return NeuronTraits(bool(self.spiking), True, bool(np.any(self.effective_bias() != 0)))


# -- synapses --------------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class FixedSynapse(Synapse):
    """Common integer-synapse fields (Lava Dense/Conv ``fixed_pt``).

    Stored weights are the mantissas handed to the chip; the chip uses
    :meth:`effective_weight`: clip to ``weight_bits`` plus sign per ``sign_mode`` (mixed:
    ``[-2**wb, 2**wb - 1]``, excitatory ``[0, 2**wb - 1]``, inhibitory ``[-(2**wb - 1), 0]``),
    then drop the low ``weight_bits - num_weight_bits + (sign_mode is MIXED)`` bits with an
    arithmetic shift (inhibitory weights are negated, shifted and negated back, i.e.
    truncated toward zero). ``sign_mode=None`` means: decided from the weights as Lava
    does (all >= 0 -> excitatory, all <= 0 -> inhibitory, else mixed).

    Per step, with ``x`` the received payloads (``num_message_bits = 0``: every nonzero
    payload counts as 1; > 0: the integer payload is used)::

        acc = W_eff @ x
        y   = acc << weight_exp   (arithmetic >> -weight_exp when negative, flooring)
        y   = wrap(y, accum_bits)
    """

    stage: ClassVar[Stage] = Stage.INTEGER
    weight: np.ndarray
    weight_exp: int = 0
    num_weight_bits: int = 8
    sign_mode: SignMode | None = None
    num_message_bits: int = 0
    weight_bits: int = 8
    accum_bits: int = 32

    def __post_init__(self) -> None:
        self.weight = _int_array(self.weight)
        self.sign_mode = None if self.sign_mode is None else SignMode(self.sign_mode)
        for name in ("weight_exp", "num_weight_bits", "num_message_bits", "weight_bits", "accum_bits"):
            setattr(self, name, int(getattr(self, name)))

    def resolved_sign_mode(self) -> SignMode:
        if self.sign_mode is not None:
            return self.sign_mode
        if self.weight.size == 0 or self.weight.min() >= 0:
            return SignMode.EXCITATORY
        if self.weight.max() <= 0:
            return SignMode.INHIBITORY
        return SignMode.MIXED

    def effective_weight(self) -> np.ndarray:
        """The weights the chip multiplies with (clipped and truncated, int64)."""
        mode = self.resolved_sign_mode()
        w = self.weight.astype(np.int64)
        if mode is SignMode.INHIBITORY:
            w = -w
        mixed = int(mode is SignMode.MIXED)
        w = np.clip(w, -(1 << self.weight_bits) * mixed, (1 << self.weight_bits) - 1)
        drop = self.weight_bits - self.num_weight_bits + mixed
        w = (w >> drop) << drop
        return -w if mode is SignMode.INHIBITORY else w

    def check_fields(self) -> list[str]:
        problems = _range_problems("num_weight_bits", self.num_weight_bits, 1, self.weight_bits)
        problems += _range_problems("num_message_bits", self.num_message_bits, 0, 24)
        problems += _range_problems("weight_exp", self.weight_exp, -16, 16)
        return problems


@register_node
@dataclass(eq=False, kw_only=True)
class FixedLinear(FixedSynapse):
    """Integer dense synapses over the last axis, ``weight`` (out, in); see
    :class:`FixedSynapse` for the arithmetic. An input (..., in) with leading axes gets the
    same matrix for every leading index (the float Linear's meaning): on the chip that is
    the block-diagonal matrix ``kron(I, W)`` over the flattened population. ``delays``
    (optional, (out, in), each ``0..MAX_SYNAPSE_DELAY``) delays each synapse
    individually: input spikes of step ``t`` through synapse (i, j) contribute to the
    output of step ``t + delays[i, j]`` (Lava DelayDense, on top of the edge delay)."""

    kind: ClassVar[str] = "FixedLinear"
    delays: np.ndarray | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.delays is not None:
            self.delays = _int_array(self.delays)

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape[:-1]) + (self.weight.shape[0],)

    def check(self, input_shape: Shape) -> list[str]:
        if self.weight.ndim != 2:
            return [f"weight must be 2-D (out, in), found shape {self.weight.shape}"]
        problems = self.check_fields()
        if len(input_shape) < 1 or input_shape[-1] != self.weight.shape[1]:
            problems.append(f"expects input (..., {self.weight.shape[1]}), found {tuple(input_shape)}")
        if self.delays is not None:
            if self.delays.shape != self.weight.shape:
                problems.append(f"delays shape {self.delays.shape} != weight shape {self.weight.shape}")
            problems += _range_problems("delays", self.delays, 0, MAX_SYNAPSE_DELAY)
        return problems


@register_node
@dataclass(eq=False, kw_only=True)
class FixedConv2d(FixedSynapse):
    """Integer 2-D convolution over (C, H, W), PyTorch convention (cross-correlation,
    weight (C_out, C_in/groups, kH, kW), zero padding); see :class:`FixedSynapse` for the
    arithmetic (``accum_bits`` defaults to 24: Lava's Conv wraps its output to 24 bits).
    Sum pooling is a grouped convolution with all-one weights (:func:`sum_pool_conv`)."""

    kind: ClassVar[str] = "FixedConv2d"
    operator: ClassVar[str] = "conv2d"
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    accum_bits: int = 24

    def __post_init__(self) -> None:
        super().__post_init__()
        self.stride = _pair(self.stride)
        self.padding = _pair(self.padding)
        self.dilation = _pair(self.dilation)
        self.groups = int(self.groups)

    def output_shape(self, input_shape: Shape) -> Shape:
        kernel = self.weight.shape[2:]
        spatial = tuple(
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, k, s, p, d in zip(input_shape[1:], kernel, self.stride, self.padding, self.dilation)
        )
        return (self.weight.shape[0],) + spatial

    def check(self, input_shape: Shape) -> list[str]:
        if self.weight.ndim != 4:
            return [f"weight must be 4-D (C_out, C_in/groups, kH, kW), found shape {self.weight.shape}"]
        if len(input_shape) != 3:
            return [f"expects input (C, H, W), found {tuple(input_shape)}"]
        problems = self.check_fields()
        if input_shape[0] != self.weight.shape[1] * self.groups:
            problems.append(f"expects {self.weight.shape[1] * self.groups} input channels, found {input_shape[0]}")
        if self.weight.shape[0] % self.groups:
            problems.append(f"{self.weight.shape[0]} output channels not divisible by groups={self.groups}")
        if any(n <= 0 for n in self.output_shape(input_shape)[1:]):
            problems.append(f"kernel larger than padded input {tuple(input_shape)}")
        return problems


@register_node
@dataclass(eq=False, kw_only=True)
class FixedConv1d(FixedConv2d):
    """Integer 1-D convolution over (C, L): a :class:`FixedConv2d` whose second spatial
    axis has size 1 (same flat layout), weight (C_out, C_in/groups, k); one-element
    ``stride``/``padding``/``dilation``. :meth:`as_conv2d` gives that 2-D form."""

    kind: ClassVar[str] = "FixedConv1d"
    operator: ClassVar[str] = "conv1d"
    stride: tuple[int, ...] = (1,)  # type: ignore[assignment]
    padding: tuple[int, ...] = (0,)  # type: ignore[assignment]
    dilation: tuple[int, ...] = (1,)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        FixedSynapse.__post_init__(self)
        self.stride, self.padding, self.dilation = (_one(v) for v in (self.stride, self.padding, self.dilation))
        self.groups = int(self.groups)

    def as_conv2d(self) -> FixedConv2d:
        """The same synapses as a FixedConv2d over (C, L, 1)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(FixedSynapse) if f.name != "meta"}
        fields["weight"] = self.weight[..., None]
        return FixedConv2d(**fields, stride=(self.stride[0], 1), padding=(self.padding[0], 0),
                           dilation=(self.dilation[0], 1), groups=self.groups)

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.as_conv2d().output_shape((*input_shape, 1))[:2]

    def check(self, input_shape: Shape) -> list[str]:
        if self.weight.ndim != 3:
            return [f"weight must be 3-D (C_out, C_in/groups, k), found shape {self.weight.shape}"]
        if len(input_shape) != 2:
            return [f"expects input (C, L), found {tuple(input_shape)}"]
        return self.as_conv2d().check((*input_shape, 1))


def _one(value) -> tuple[int]:
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    (v,) = value
    return (int(v),)


def _pair(value) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    a, b = value
    return (int(a), int(b))


def sum_pool_conv(channels: int, kernel: int | tuple[int, int], stride=None, **fields) -> FixedConv2d:
    """Sum pooling on spikes as a FixedConv2d: one all-ones kernel per channel (groups=C)."""
    k = _pair(kernel)
    weight = np.ones((channels, 1, *k), dtype=np.int64)
    return FixedConv2d(weight=weight, stride=_pair(stride if stride is not None else k), groups=channels, **fields)


FIXED_SYNAPSES = (FixedLinear, FixedConv2d, FixedConv1d)


# -- timing and building ----------------------------------------------------------------------


def path_latency(graph: Graph, src: str, dst: str) -> int:
    """Sum of edge delays on the shortest-delay path from ``src`` to ``dst`` (the number of
    steps a fixed graph lags a zero-latency reference between those nodes)."""
    import networkx as nx

    g = nx.DiGraph()
    for e in graph.edges:
        if not g.has_edge(e.src, e.dst) or g[e.src][e.dst]["delay"] > e.delay:
            g.add_edge(e.src, e.dst, delay=e.delay)
    return int(nx.shortest_path_length(g, src, dst, weight="delay"))


class FixedGraphBuilder:
    """Build a fixed graph by hand (tests, examples), with Lava's timing applied::

        b = FixedGraphBuilder((2,))
        b.linear(np.array([[10, 0]]))            # synapse: next neuron sees it one step later
        b.lif(du=4095, dv=163, vth=25)
        b.recurrent(np.array([[-5]]), delay=2)   # lif -> synapse -> lif, arrives t + 1 + 2
        b.output()
        graph = b.graph

    Each call appends to the current chain; ``delay`` is the extra axonal delay on top of
    ``SYNAPSE_LATENCY``.
    """

    def __init__(self, input_shape: Shape, dt: float = DEFAULT_DT, name: str = "input") -> None:
        self.graph = Graph(dt=dt)
        self.shapes: dict[str, Shape] = {}
        self.last = self._add(name, Input(shape=tuple(input_shape)), tuple(input_shape), [])
        self._pending_delay = 0
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def _add(self, name: str, node: Node, shape: Shape, srcs: list[tuple[str, int]]) -> str:
        self.graph.add(name, node)
        for src, delay in srcs:
            self.graph.connect(src, name, delay)
        self.shapes[name] = shape
        return name

    def _synapse(self, prefix: str, node: Node, delay: int, name: str | None) -> str:
        shape = node.output_shape(self.shapes[self.last])
        self.last = self._add(name or self._name(prefix), node, shape, [(self.last, 0)])
        self._pending_delay = SYNAPSE_LATENCY + int(delay)
        return self.last

    def linear(self, weight, delay: int = 0, name: str | None = None, **fields) -> str:
        return self._synapse("fc", FixedLinear(weight=weight, **fields), delay, name)

    def conv2d(self, weight, delay: int = 0, name: str | None = None, **fields) -> str:
        return self._synapse("conv", FixedConv2d(weight=weight, **fields), delay, name)

    def sum_pool(self, kernel, stride=None, delay: int = 0, name: str | None = None, **fields) -> str:
        node = sum_pool_conv(self.shapes[self.last][0], kernel, stride, **fields)
        return self._synapse("pool", node, delay, name)

    def flatten(self, name: str | None = None) -> str:
        node = Flatten()
        shape = node.output_shape(self.shapes[self.last])
        self.last = self._add(name or self._name("flat"), node, shape, [(self.last, 0)])
        return self.last

    def lif(self, name: str | None = None, **fields) -> str:
        shape = self.shapes[self.last]
        node = FixedLIF(shape=shape, **fields)
        self.last = self._add(name or self._name("lif"), node, shape, [(self.last, self._pending_delay)])
        self._pending_delay = 0
        return self.last

    def recurrent(self, weight, delay: int = 0, target: str | None = None, name: str | None = None,
                  **fields) -> str:
        """``target`` (default: the last neuron) -> FixedLinear -> ``target``."""
        target = target or self.last
        node = FixedLinear(weight=weight, **fields)
        shape = node.output_shape(self.shapes[target])
        syn = self._add(name or self._name("rec"), node, shape, [(target, 0)])
        self.graph.connect(syn, target, SYNAPSE_LATENCY + int(delay))
        return syn

    def output(self, name: str = "output", src: str | None = None) -> str:
        src = src or self.last
        return self._add(name, Output(shape=self.shapes[src]), self.shapes[src], [(src, 0)])


def is_fixed_graph(graph: Graph) -> bool:
    """True when every node is integer (fixed) or pure data movement (see ir.stage)."""
    return is_integer_graph(graph)


__all__ = [
    "SYNAPSE_LATENCY", "MAX_SYNAPSE_DELAY", "GRADED_MESSAGE_BITS", "FIXED_OUTPUTS", "SignMode", "FixedLIF", "FixedSynapse", "FixedLinear",
    "FixedConv2d", "FixedConv1d", "FIXED_SYNAPSES", "sum_pool_conv", "path_latency", "FixedGraphBuilder",
    "is_fixed_graph", "wrap",
]

"""Neuron nodes: discrete-time dynamics, one update per time step.

Notation, per neuron and step ``t``: ``x[t]`` is the node's input (sum of incoming
edges), ``i`` the synaptic current (Cuba nodes), ``v`` the membrane, ``s`` the spike.
Every coefficient is a per-step number (already discretised with the graph's ``dt``),
stored as a float64 array broadcastable to ``shape``. Conversions from continuous-time
(NIR tau, r, v_leak) and from the frameworks' own parameters (beta, tau,
decay_input) live in the front ends and are documented there.

Spiking neurons then apply, with ``>`` or ``>=`` per ``comparator``::

    s[t] = v[t] > threshold
    reset (IMMEDIATE): zero -> v[t] := v_reset where s;  subtract -> v[t] -= threshold
    reset (DELAYED):   applied at the start of t+1 (see ResetTiming)

and output ``s[t]`` (0/1). Non-spiking neurons (LI, CubaLI, Integrator) output ``v[t]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from snncompile.ir.node import Node, Shape, as_float_array, negative_dims, register_node
from snncompile.ir.semantics import Comparator, Reset, ResetTiming


@dataclass(frozen=True)
class NeuronTraits:
    """What hardware cares about: does it spike, keep a synaptic current, have a bias."""

    spiking: bool
    has_current: bool
    has_bias: bool


@dataclass(frozen=True)
class Dynamics:
    """The common form every neuron kind reduces to (used by executors)::

    i[t] = syn_decay * i[t-1] + syn_gain * x[t]          (if has_current, else i[t] = x[t])
    v[t] = decay * v[t-1] + gain * i[t] + bias
    """

    has_current: bool
    syn_decay: np.ndarray
    syn_gain: np.ndarray
    decay: np.ndarray
    gain: np.ndarray
    bias: np.ndarray
    spiking: bool


_ONE = np.ones(())
_ZERO = np.zeros(())


def _arr(default: float):
    return field(default_factory=lambda: np.full((), float(default)))


@dataclass(eq=False, kw_only=True)
class NeuronNode(Node):
    """A population of ``shape`` neurons updated elementwise (input shape == shape)."""

    stateful: ClassVar[bool] = True
    shape: Shape

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        for name, value in self._coefficients().items():
            setattr(self, name, as_float_array(value))

    def _coefficients(self) -> dict[str, np.ndarray]:
        return {
            f.name: getattr(self, f.name)
            for f in self.fields()
            if f.name not in ("shape",) and not isinstance(getattr(self, f.name), (Reset, ResetTiming, Comparator))
        }

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.shape

    def check(self, input_shape: Shape) -> list[str]:
        problems = negative_dims(self.shape)
        if problems:
            return problems
        if tuple(input_shape) != self.shape:
            problems.append(f"input shape {tuple(input_shape)} does not match neuron shape {self.shape}")
        for name, value in self._coefficients().items():
            try:
                np.broadcast_to(value, self.shape)
            except ValueError:
                problems.append(f"parameter '{name}' of shape {value.shape} does not broadcast to {self.shape}")
                continue
            if not np.all(np.isfinite(value)) and name != "threshold":
                problems.append(f"parameter '{name}' has non-finite values (NaN or inf)")
            elif name == "threshold" and np.any(np.isnan(value)):
                problems.append("parameter 'threshold' has NaN values")
        return problems

    def dynamics(self) -> Dynamics:
        raise NotImplementedError

    def traits(self) -> NeuronTraits:
        d = self.dynamics()
        return NeuronTraits(d.spiking, d.has_current, bool(np.any(d.bias != 0)))


@dataclass(eq=False, kw_only=True)
class SpikingNeuron(NeuronNode):
    """Adds the spike condition and the reset (fields shared by LIF, CubaLIF, IF)."""

    spiking: ClassVar[bool] = True
    threshold: np.ndarray = _arr(1.0)
    v_reset: np.ndarray = _arr(0.0)
    reset: Reset = Reset.ZERO
    reset_timing: ResetTiming = ResetTiming.IMMEDIATE
    comparator: Comparator = Comparator.GT

    def __post_init__(self) -> None:
        self.reset = Reset(self.reset)
        self.reset_timing = ResetTiming(self.reset_timing)
        self.comparator = Comparator(self.comparator)
        super().__post_init__()


@register_node
@dataclass(eq=False, kw_only=True)
class LIF(SpikingNeuron):
    """Leaky integrate-and-fire: ``v[t] = decay * v[t-1] + gain * x[t] + bias``, then spike
    and reset. Forward Euler of NIR's ``tau dv/dt = (v_leak - v) + r I`` gives
    ``decay = 1 - dt/tau``, ``gain = r dt/tau``, ``bias = v_leak dt/tau``; snnTorch's Leaky
    is ``decay = beta, gain = 1``."""

    kind: ClassVar[str] = "LIF"
    decay: np.ndarray = _arr(1.0)
    gain: np.ndarray = _arr(1.0)
    bias: np.ndarray = _arr(0.0)

    def dynamics(self) -> Dynamics:
        return Dynamics(False, _ZERO, _ONE, self.decay, self.gain, self.bias, True)


@register_node
@dataclass(eq=False, kw_only=True)
class CubaLIF(SpikingNeuron):
    """Current-based LIF::

        i[t] = syn_decay * i[t-1] + syn_gain * x[t]
        v[t] = decay * v[t-1] + gain * i[t] + bias          (uses the new current)

    then spike and reset (the current is never reset). snnTorch Synaptic:
    ``syn_decay = alpha, decay = beta``, gains 1."""

    kind: ClassVar[str] = "CubaLIF"
    syn_decay: np.ndarray = _arr(1.0)
    syn_gain: np.ndarray = _arr(1.0)
    decay: np.ndarray = _arr(1.0)
    gain: np.ndarray = _arr(1.0)
    bias: np.ndarray = _arr(0.0)

    def dynamics(self) -> Dynamics:
        return Dynamics(True, self.syn_decay, self.syn_gain, self.decay, self.gain, self.bias, True)


@register_node
@dataclass(eq=False, kw_only=True)
class IF(SpikingNeuron):
    """Integrate-and-fire (no leak): ``v[t] = v[t-1] + gain * x[t] + bias``, then spike
    and reset."""

    kind: ClassVar[str] = "IF"
    gain: np.ndarray = _arr(1.0)
    bias: np.ndarray = _arr(0.0)

    def dynamics(self) -> Dynamics:
        return Dynamics(False, _ZERO, _ONE, _ONE, self.gain, self.bias, True)


@register_node
@dataclass(eq=False, kw_only=True)
class LI(NeuronNode):
    """Leaky integrator (no spikes): ``v[t] = decay * v[t-1] + gain * x[t] + bias``;
    output ``v[t]``."""

    kind: ClassVar[str] = "LI"
    decay: np.ndarray = _arr(1.0)
    gain: np.ndarray = _arr(1.0)
    bias: np.ndarray = _arr(0.0)

    def dynamics(self) -> Dynamics:
        return Dynamics(False, _ZERO, _ONE, self.decay, self.gain, self.bias, False)


@register_node
@dataclass(eq=False, kw_only=True)
class CubaLI(NeuronNode):
    """Current-based leaky integrator (no spikes)::

        i[t] = syn_decay * i[t-1] + syn_gain * x[t]
        v[t] = decay * v[t-1] + gain * i[t] + bias;   output v[t]
    """

    kind: ClassVar[str] = "CubaLI"
    syn_decay: np.ndarray = _arr(1.0)
    syn_gain: np.ndarray = _arr(1.0)
    decay: np.ndarray = _arr(1.0)
    gain: np.ndarray = _arr(1.0)
    bias: np.ndarray = _arr(0.0)

    def dynamics(self) -> Dynamics:
        return Dynamics(True, self.syn_decay, self.syn_gain, self.decay, self.gain, self.bias, False)


@register_node
@dataclass(eq=False, kw_only=True)
class Integrator(NeuronNode):
    """Perfect integrator (no leak, no spikes): ``v[t] = v[t-1] + gain * x[t] + bias``;
    output ``v[t]``. NIR's ``I`` node."""

    kind: ClassVar[str] = "Integrator"
    gain: np.ndarray = _arr(1.0)
    bias: np.ndarray = _arr(0.0)

    def dynamics(self) -> Dynamics:
        return Dynamics(False, _ZERO, _ONE, _ONE, self.gain, self.bias, False)

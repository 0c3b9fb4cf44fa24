"""Neuron modules for plain PyTorch models: one time step per call, state kept inside.

Each module computes exactly the equations of its IR node (:mod:`snncompile.ir.neurons`),
in the same order of floating-point operations as the reference simulator, so tracing
one (:func:`snncompile.frontends.torch.trace`) is a copy of its fields, not a guess::

    i[t] = syn_decay * i[t-1] + syn_gain * x[t]               (CubaLIF only)
    v[t] = decay * v[t-1] + gain * drive[t] + bias            (drive = i[t] or x[t])
    s[t] = v[t] > threshold        (>= with Comparator.GE)

with the reset (zero: ``v := v_reset``; subtract: ``v -= threshold``) applied at the end
of step t (``IMMEDIATE``) or at the start of t+1 (``DELAYED``, snnTorch's convention:
a zero reset sets ``v := v_reset`` before the decay, a subtract reset subtracts
``threshold * s[t-1]`` after the decay). ``refractory = R`` steps: after a spike, for R
steps ``v`` keeps its post-reset value and no spike is sent, while a current integrates
(the IR's refractory period). ``LI`` outputs ``v[t]`` instead of spikes.

Parameters may be scalars or per-neuron tensors (broadcast to the input); names listed in
``learn`` become ``nn.Parameter`` (trainable), the rest are buffers. The spike uses a
Heaviside step forward and a fast-sigmoid surrogate gradient backward (training only;
the forward value is exact). State starts at zero on the first call and whenever the
input's shape, dtype or device changes; call :meth:`reset_state` (or
:func:`reset_states` on a whole model) between sequences.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from snncompile.ir import IF as IRIF
from snncompile.ir import LI as IRLI
from snncompile.ir import LIF as IRLIF
from snncompile.ir import Comparator, NeuronNode, Reset, ResetTiming, Shape
from snncompile.ir import CubaLIF as IRCubaLIF


class _SpikeFn(torch.autograd.Function):
    """Heaviside forward (the given comparison), fast-sigmoid derivative backward."""

    @staticmethod
    def forward(ctx, v, threshold, ge: bool):
        ctx.save_for_backward(v - threshold)
        fired = v >= threshold if ge else v > threshold
        return fired.to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (shifted,) = ctx.saved_tensors
        surrogate = grad / (1.0 + 10.0 * shifted.abs()) ** 2
        return surrogate, -surrogate, None


class NeuronModule(nn.Module):
    """Base class: parameter registration, state handling and the IR conversion."""

    #: parameter names of this kind of neuron (besides threshold and v_reset)
    coefficient_names: tuple[str, ...] = ()
    spiking: bool = True

    def __init__(self, learn: Iterable[str] | bool = (), **params: float | torch.Tensor):
        super().__init__()
        names = set(params) if learn is True else set(learn or ())
        unknown = names - set(params)
        if unknown:
            raise ValueError(f"learn names unknown parameters {sorted(unknown)}; known: {sorted(params)}")
        for name, value in params.items():
            tensor = torch.as_tensor(value, dtype=torch.get_default_dtype()).clone()
            if name in names:
                setattr(self, name, nn.Parameter(tensor))
            else:
                self.register_buffer(name, tensor)
        self.reset_state()

    def reset_state(self) -> None:
        """Forget the membrane, current and last spike (start of a new sequence)."""
        self.v: torch.Tensor | None = None
        self.i: torch.Tensor | None = None
        self.s_prev: torch.Tensor | None = None
        self.left: torch.Tensor | None = None  # refractory steps left

    def _state(self, x: torch.Tensor) -> None:
        if self.v is None or self.v.shape != x.shape or self.v.dtype != x.dtype or self.v.device != x.device:
            self.v = torch.zeros_like(x)
            self.i = torch.zeros_like(x)
            self.s_prev = torch.zeros_like(x)
            self.left = torch.zeros(x.shape, dtype=torch.int64, device=x.device)

    def p(self, name: str) -> torch.Tensor:
        """A parameter or buffer by name (typed for readers and mypy)."""
        value = getattr(self, name)
        assert isinstance(value, torch.Tensor)
        return value

    def _coefficients(self) -> dict[str, torch.Tensor]:
        return {name: self.p(name) for name in self.coefficient_names}

    def to_node(self, shape: Shape) -> NeuronNode:
        """The IR node with these parameters as they are now (float64 copies)."""
        raise NotImplementedError


def _numpy(t: torch.Tensor):
    return t.detach().to("cpu", torch.float64).numpy()


class _Spiking(NeuronModule):
    def __init__(
        self,
        threshold: float | torch.Tensor = 1.0,
        v_reset: float | torch.Tensor = 0.0,
        reset: Reset | str = Reset.ZERO,
        reset_timing: ResetTiming | str = ResetTiming.IMMEDIATE,
        comparator: Comparator | str = Comparator.GT,
        learn: Iterable[str] | bool = (),
        refractory: int = 0,
        **coefficients: float | torch.Tensor,
    ):
        self.refractory = int(refractory)
        self.reset_mode = Reset(reset)
        self.reset_timing = ResetTiming(reset_timing)
        self.comparator = Comparator(comparator)
        super().__init__(learn, threshold=threshold, v_reset=v_reset, **coefficients)

    def _update(self, x: torch.Tensor) -> torch.Tensor:
        """``v[t]`` from the state and the input (no spike, no immediate reset)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._state(x)
        assert self.v is not None and self.s_prev is not None
        threshold, v_reset = self.p("threshold"), self.p("v_reset").to(x.dtype)
        delayed = self.reset_timing is ResetTiming.DELAYED
        if delayed and self.reset_mode is Reset.ZERO:
            self.v = torch.where(self.s_prev.bool(), v_reset, self.v)
        held = self.v
        v = self._update(x)
        if delayed and self.reset_mode is Reset.SUBTRACT:
            v = v - threshold * self.s_prev
            held = held - threshold * self.s_prev
        s = _SpikeFn.apply(v, threshold, self.comparator is Comparator.GE)
        if self.refractory:
            assert self.left is not None
            quiet = self.left > 0
            v = torch.where(quiet, held, v)
            s = s * (~quiet).to(s.dtype)
            self.left = torch.where(s.detach().bool(), self.refractory, self.left - quiet.to(torch.int64))
        if not delayed:
            if self.reset_mode is Reset.ZERO:
                v = torch.where(s.detach().bool(), v_reset, v)
            elif self.reset_mode is Reset.SUBTRACT:
                v = v - threshold * s.detach()
        self.v, self.s_prev = v, s.detach()
        return s

    def _fields(self) -> dict:
        return dict(
            threshold=_numpy(self.p("threshold")),
            v_reset=_numpy(self.p("v_reset")),
            reset=self.reset_mode,
            reset_timing=self.reset_timing,
            comparator=self.comparator,
            refractory=self.refractory,
        )

    def extra_repr(self) -> str:
        return (f"reset={self.reset_mode.value}, timing={self.reset_timing.value}, comparator='{self.comparator.value}'"
                + (f", refractory={self.refractory}" if self.refractory else ""))


class LIF(_Spiking):
    """Leaky integrate-and-fire: ``v = decay * v + gain * x + bias`` (IR ``LIF``)."""

    coefficient_names = ("decay", "gain", "bias")

    def __init__(self, decay=0.9, threshold=1.0, gain=1.0, bias=0.0, **kwargs):
        super().__init__(threshold=threshold, decay=decay, gain=gain, bias=bias, **kwargs)

    def _update(self, x):
        return self.p("decay") * self.v + self.p("gain") * x + self.p("bias")

    def to_node(self, shape):
        return IRLIF(shape=shape, **{k: _numpy(v) for k, v in self._coefficients().items()}, **self._fields())


class IF(_Spiking):
    """Integrate-and-fire: ``v = v + gain * x + bias`` (IR ``IF``)."""

    coefficient_names = ("gain", "bias")

    def __init__(self, threshold=1.0, gain=1.0, bias=0.0, **kwargs):
        super().__init__(threshold=threshold, gain=gain, bias=bias, **kwargs)

    def _update(self, x):
        # 1.0 * v keeps the operation order of the reference (decay = 1 there).
        return 1.0 * self.v + self.p("gain") * x + self.p("bias")

    def to_node(self, shape):
        return IRIF(shape=shape, **{k: _numpy(v) for k, v in self._coefficients().items()}, **self._fields())


class CubaLIF(_Spiking):
    """Current-based LIF (IR ``CubaLIF``)::

    i = syn_decay * i + syn_gain * x;  v = decay * v + gain * i + bias
    """

    coefficient_names = ("syn_decay", "syn_gain", "decay", "gain", "bias")

    def __init__(self, syn_decay=0.8, decay=0.9, threshold=1.0, syn_gain=1.0, gain=1.0, bias=0.0, **kwargs):
        super().__init__(
            threshold=threshold, syn_decay=syn_decay, syn_gain=syn_gain, decay=decay, gain=gain, bias=bias, **kwargs
        )

    def _update(self, x):
        assert self.i is not None
        self.i = self.p("syn_decay") * self.i + self.p("syn_gain") * x
        return self.p("decay") * self.v + self.p("gain") * self.i + self.p("bias")

    def to_node(self, shape):
        return IRCubaLIF(shape=shape, **{k: _numpy(v) for k, v in self._coefficients().items()}, **self._fields())


class LI(NeuronModule):
    """Leaky integrator, no spikes: ``v = decay * v + gain * x + bias``; outputs ``v``
    (IR ``LI``). Typical as a readout layer."""

    coefficient_names = ("decay", "gain", "bias")
    spiking = False

    def __init__(self, decay=0.9, gain=1.0, bias=0.0, learn: Iterable[str] | bool = ()):
        super().__init__(learn, decay=decay, gain=gain, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._state(x)
        assert self.v is not None
        self.v = self.p("decay") * self.v + self.p("gain") * x + self.p("bias")
        return self.v

    def to_node(self, shape):
        return IRLI(shape=shape, **{k: _numpy(v) for k, v in self._coefficients().items()})


NEURON_MODULES: tuple[type[NeuronModule], ...] = (LIF, IF, CubaLIF, LI)


def reset_states(model: nn.Module) -> None:
    """Call :meth:`NeuronModule.reset_state` on every snncompile neuron in ``model``."""
    for module in model.modules():
        if isinstance(module, NeuronModule):
            module.reset_state()

"""snnTorch 1.0.0 neurons: ``Leaky``, ``Synaptic``, ``RLeaky``, ``RSynaptic``.

What snnTorch computes per step (``snntorch/_neurons/leaky.py`` and friends), with
``r = (mem[t-1] - threshold > 0)`` computed from the stored membrane *before* the update
(equal to the previous step's spike) and ``spk = (mem[t] - threshold > 0)``::

    Leaky     mem = clamp(beta,0,1) * mem + x             - r * threshold   (subtract)
    Synaptic  syn = clamp(alpha,0,1) * syn + x
              mem = clamp(beta,0,1) * mem + syn           - r * threshold   (subtract)
    RLeaky    mem = clamp(beta,0,1) * mem + x + R(spk[t-1]) - r * threshold
    RSynaptic syn = clamp(alpha,0,1) * syn + x + R(spk[t-1]);  mem as Synaptic

Mapping (``reset_delay=True``, the default): ``LIF`` / ``CubaLIF`` with
``decay = clamp(beta, 0, 1)``, ``syn_decay = clamp(alpha, 0, 1)``, gains 1, bias 0,
comparator ``GT``, reset ``SUBTRACT`` with ``DELAYED`` timing (the threshold is removed
one step late and is not decayed), or ``NONE``. ``Leaky`` with ``reset_mechanism="zero"``
zeroes ``mem`` before the decay of the next step: ``ZERO``/``DELAYED``.
``Synaptic``, ``RLeaky`` and ``RSynaptic`` with ``reset_mechanism="zero"`` instead discard
the whole membrane update of the step after a spike (``mem = base - r * base = 0``,
input and recurrent terms included) while ``syn`` keeps integrating (their
``_base_state_reset_zero`` returns 0 for ``syn``): ``ZERO``/``DELAYED`` with
``refractory = 1`` (see :mod:`snncompile.ir.neurons`). The recurrent
``R`` of RLeaky/RSynaptic (``nn.Linear`` for ``linear_features``, ``nn.Conv2d`` for
``conv2d_channels``/``kernel_size``, ``x * V`` when ``all_to_all=False``) becomes a
``Linear``/``Conv2d``/``Scale`` node fed by the neuron through a one-step-delayed edge
and summed into the neuron's input (so the input sum is ``x + R(s[t-1])``; snnTorch
adds the terms in another order, which changes the membrane only by rounding).

Refused, with the reason: ``inhibition``, ``state_quant``, ``graded_spikes_factor != 1``,
negative thresholds (snnTorch would then reset at t = 0) and ``reset_delay=False`` with a subtract
reset (snnTorch then derives ``r`` from the post-reset membrane, so a neuron whose
membrane stays above threshold after the subtraction needs ``2 * threshold`` to fire next
step). ``reset_delay=False`` with a zero reset is exactly an ``IMMEDIATE`` zero reset
(``r`` is then always 0) and is supported for Leaky, Synaptic and RLeaky.
The state the module returns besides spikes (``mem``, ``syn``) and ``init_hidden``,
``output`` only change the call's return value: the trace uses the spikes.
"""

from __future__ import annotations

import numpy as np
import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.ir import LIF, Conv2d, CubaLIF, Linear, Node, Reset, ResetTiming, Scale

_RESETS = {0: Reset.SUBTRACT, 1: Reset.ZERO, 2: Reset.NONE}


def _common(module, path: str, zero_discards_step: bool) -> dict:
    """The spike and reset fields; ``zero_discards_step``: the module's delayed zero
    reset discards the next step's membrane update (a one-step refractory period)."""
    if getattr(module, "inhibition", False):
        raise unsupported(path, module, "inhibition=True (winner-take-all across a layer) has no IR equivalent")
    if getattr(module, "state_quant", False):
        raise unsupported(path, module, "state_quant quantizes the state inside the step; quantize the graph with snncompile instead")
    graded = array(module.graded_spikes_factor)
    if not np.all(graded == 1.0):
        raise unsupported(path, module, f"graded_spikes_factor={graded.tolist()} (graded spikes) is not supported; only 0/1 spikes")
    threshold = array(module.threshold)
    if np.any(threshold < 0):
        raise unsupported(path, module, "negative threshold: snnTorch would reset at the first step")
    reset = _RESETS[int(module.reset_mechanism_val)]
    delayed = bool(getattr(module, "reset_delay", True))
    refractory = 0
    if delayed:
        timing = ResetTiming.DELAYED
        refractory = int(reset is Reset.ZERO and zero_discards_step)
    else:
        if reset is Reset.SUBTRACT:
            raise unsupported(
                path, module,
                "reset_mechanism='subtract' with reset_delay=False: snnTorch then takes the reset signal from the "
                "post-reset membrane, which no IR reset expresses; use reset_delay=True (the default)",
            )
        timing = ResetTiming.IMMEDIATE
    return dict(threshold=threshold, v_reset=np.zeros(()), reset=reset, reset_timing=timing, refractory=refractory)


def _decay(value) -> np.ndarray:
    return array(torch.as_tensor(value).detach().clamp(0, 1))


def _recurrent(module, path: str, shape) -> dict:
    rec = module.recurrent
    node: Node
    if isinstance(rec, torch.nn.Linear):
        node = Linear(weight=array(rec.weight), bias=None if rec.bias is None else array(rec.bias))
    elif isinstance(rec, torch.nn.Conv2d):
        node = Conv2d(
            weight=array(rec.weight), bias=None if rec.bias is None else array(rec.bias),
            stride=rec.stride, padding=rec.padding,  # type: ignore[arg-type]  # ints (snnTorch sets k//2) dilation=rec.dilation, groups=rec.groups,
        )
    elif type(rec).__name__ == "RecurrentOneToOne":
        node = Scale(scale=array(rec.V))
    else:
        raise unsupported(path, module, f"recurrent connection of type {type(rec).__name__}")
    return dict(extra={"recurrent": node}, edges=[("", "recurrent", 1), ("recurrent", "", 0)])


@adapter("snntorch.Leaky")
def leaky(module, shape, path) -> Fragment:
    fields = _common(module, path, zero_discards_step=False)
    return Fragment(LIF(shape=shape, decay=_decay(module.beta), gain=array(1.0), bias=array(0.0), **fields))


@adapter("snntorch.Synaptic")
def synaptic(module, shape, path) -> Fragment:
    fields = _common(module, path, zero_discards_step=True)
    node = CubaLIF(shape=shape, syn_decay=_decay(module.alpha), syn_gain=array(1.0), decay=_decay(module.beta), gain=array(1.0), bias=array(0.0), **fields)
    return Fragment(node)


@adapter("snntorch.RLeaky")
def rleaky(module, shape, path) -> Fragment:
    fields = _common(module, path, zero_discards_step=True)
    node = LIF(shape=shape, decay=_decay(module.beta), gain=array(1.0), bias=array(0.0), **fields)
    return Fragment(node, **_recurrent(module, path, shape))


@adapter("snntorch.RSynaptic")
def rsynaptic(module, shape, path) -> Fragment:
    if not getattr(module, "reset_delay", True):
        raise unsupported(path, module, "reset_delay=False: snnTorch 1.0.0's RSynaptic.forward fails with a NameError in that mode")
    fields = _common(module, path, zero_discards_step=True)
    node = CubaLIF(shape=shape, syn_decay=_decay(module.alpha), syn_gain=array(1.0), decay=_decay(module.beta), gain=array(1.0), bias=array(0.0), **fields)
    return Fragment(node, **_recurrent(module, path, shape))

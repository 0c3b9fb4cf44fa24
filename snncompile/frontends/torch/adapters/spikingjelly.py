"""SpikingJelly 2.0.0 neurons (``spikingjelly.activation_based.neuron``): ``IFNode``,
``LIFNode``, ``ParametricLIFNode``.

What SpikingJelly computes per step (``spikingjelly/_ops/{if_,lif,plif}/reference.py``),
with ``v_r = v_reset`` (0 for the soft reset ``v_reset=None``), ``k = 1/tau`` (LIF) or
``k = sigmoid(w)`` (ParametricLIF)::

    IF                     h = v + x
    LIF, decay_input=True  h = v + (x - (v - v_r)) * k
    LIF, decay_input=False h = v - (v - v_r) * k + x
    spike = (h - v_threshold >= 0)                       (heaviside(0) = 1)
    v = v_r where spike (hard reset)  |  v = h - v_threshold * spike (v_reset=None)

starting from ``v = v_r`` (hard reset) or 0 (soft). The IR neurons start at 0, so the
hard-reset case is traced in the shifted variable ``u = v - v_r`` (a constant offset,
exact for the dynamics): ``LIF`` with ``decay = 1 - k``, ``gain = k`` (decay_input) or 1,
``bias = 0``, ``threshold = v_threshold - v_r``, ``v_reset = 0``, reset ``ZERO``
(``SUBTRACT`` for ``v_reset=None``), timing ``IMMEDIATE``, comparator ``GE``; ``IF``
likewise with gain 1. The recorded IR membrane is then ``v - v_r``
(``Fragment.membrane_offset = v_r``). SpikingJelly evaluates ``k`` in the model's dtype;
the adapter takes that same value.

Single-step (``step_mode='s'``) and multi-step (``'m'``) modules describe the same step:
a multi-step module applies it to each of the T slices of its (T, B, ...) input, and the
multi-step wrappers of stateless layers (``layer.Linear``, ``layer.Conv2d``, ...,
``layer.SeqToANNContainer``, ``layer.MultiStepContainer``) apply their layers per step,
so the trace is the same graph for both (the tracer expands the containers).
"""

from __future__ import annotations

import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.ir import IF, LIF, Comparator, Reset, ResetTiming

_NODE = "spikingjelly.activation_based.neuron."


def _reset_fields(module, path: str) -> tuple[dict, float]:
    if not getattr(module.surrogate_function, "spiking", True):
        raise unsupported(path, module, "surrogate_function with spiking=False outputs the smooth primitive, not spikes")
    if getattr(module, "_neuron_precision", None) is not None:
        raise unsupported(path, module, "explicit neuron precision (set_neuron_precision) is not supported")
    threshold = float(module.v_threshold)
    if module.v_reset is None:
        return dict(threshold=threshold, v_reset=0.0, reset=Reset.SUBTRACT,
                    reset_timing=ResetTiming.IMMEDIATE, comparator=Comparator.GE), 0.0
    v_r = float(module.v_reset)
    return dict(threshold=threshold - v_r, v_reset=0.0, reset=Reset.ZERO,
                reset_timing=ResetTiming.IMMEDIATE, comparator=Comparator.GE), v_r


def _lif(module, path, shape, k) -> Fragment:
    fields, offset = _reset_fields(module, path)
    k = array(k)
    gain = k if module.decay_input else array(1.0)
    return Fragment(LIF(shape=shape, decay=1.0 - k, gain=gain, bias=array(0.0), **fields), membrane_offset=offset)


@adapter(_NODE + "IFNode")
def if_node(module, shape, path) -> Fragment:
    fields, offset = _reset_fields(module, path)
    return Fragment(IF(shape=shape, gain=array(1.0), bias=array(0.0), **fields), membrane_offset=offset)


@adapter(_NODE + "LIFNode")
def lif_node(module, shape, path) -> Fragment:
    return _lif(module, path, shape, torch.as_tensor(1.0 / module.tau))


@adapter(_NODE + "ParametricLIFNode")
def plif_node(module, shape, path) -> Fragment:
    return _lif(module, path, shape, module.w.detach().sigmoid())

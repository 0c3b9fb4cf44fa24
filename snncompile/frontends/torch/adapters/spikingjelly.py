"""SpikingJelly 2.0.0 neurons (``spikingjelly.activation_based.neuron``): ``IFNode``,
``LIFNode``, ``ParametricLIFNode``, ``LIAFNode``.

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

``LIAFNode`` (leaky integrate and *analog* fire, Wu et al.) charges and resets as
``LIFNode`` but outputs ``act(h)`` (``act(h - v_threshold)`` with
``threshold_related``) of the charged membrane ``h`` at every step instead of the spike.
The IR's neurons output spikes only, so the fragment is the ``LIF`` (its spikes decide
the resets) plus a float copy of its membrane that the graph computes beside it, from
the same input and those spikes (in the shifted variable ``u = v - v_r``)::

    h[t] = decay * post[t-1] + gain * x[t]              (the LIF's own update, same order)
    post[t] = h[t] - h[t] * s[t]   (hard reset)  |  h[t] - threshold * s[t]   (soft)
    y[t] = act(h[t] + v_r [- v_threshold])

with ``act`` ``nn.ReLU`` or ``nn.Identity`` (others are refused). The copy uses only
host operations (``Mul``, ``ReLU``): a chip keeps its neuron's membrane to itself.
A ``LIAFNode`` in ``step_mode="m"`` is refused: SpikingJelly 2.0.0 overrides only its
single-step function, so its multi-step forward is ``LIFNode``'s and returns the spikes
(run it single-step inside ``layer.MultiStepContainer``).
"""

from __future__ import annotations

import numpy as np
import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.ir import IF, LIF, Add, Comparator, Constant, Reset, ResetTiming, Scale
from snncompile.ir.host import Mul
from snncompile.ir.host_activation import ReLU

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


@adapter(_NODE + "LIAFNode")
def liaf_node(module, shape, path) -> Fragment:
    act = module.act
    if module.step_mode != "s":
        raise unsupported(path, module, "step_mode='m': SpikingJelly 2.0.0's multi-step LIAFNode returns the spikes, "
                          "not act(h) (only its single-step function is LIAF's); wrap a single-step LIAFNode in "
                          "layer.MultiStepContainer")
    if not isinstance(act, (torch.nn.ReLU, torch.nn.Identity)):
        raise unsupported(path, module, f"act={act!r}: only nn.ReLU and nn.Identity have IR nodes")
    lif = _lif(module, path, shape, torch.as_tensor(1.0 / module.tau))
    neuron = lif.neuron
    assert isinstance(neuron, LIF)
    extra = {"in": Scale(scale=np.asarray(1.0)), "leak": Scale(scale=neuron.decay), "charge": Add()}
    edges: list[tuple] = [("in", "", 0), ("post", "leak", 0), ("leak", "charge", 1)]
    if np.all(neuron.gain == 1.0):
        edges.append(("in", "charge", 0))
    else:
        extra["drive"] = Scale(scale=neuron.gain)
        edges += [("in", "drive", 0), ("drive", "charge", 0)]
    extra["reset"] = Scale(scale=np.asarray(-1.0) if neuron.reset is Reset.ZERO else -neuron.threshold)
    extra["post"] = Add()
    if neuron.reset is Reset.ZERO:
        extra["fired"] = Mul()
        edges += [("charge", "fired", 0, "a"), ("", "fired", 0, "b"), ("fired", "reset", 0)]
    else:
        edges.append(("", "reset", 0))
    edges += [("charge", "post", 0), ("reset", "post", 0)]
    offset = float(lif.membrane_offset) - (float(module.v_threshold) if module.threshold_related else 0.0)
    value = "charge"
    if offset != 0.0:
        extra["shift"], extra["offset"] = Add(), Constant(value=np.full(shape, offset))
        edges += [("charge", "shift", 0), ("offset", "shift", 0)]
        value = "shift"
    output = value
    if isinstance(act, torch.nn.ReLU):
        extra["act"] = ReLU()
        edges.append((value, "act", 0))
        output = "act"
    return Fragment(neuron, extra, edges, entry="in", output=output, output_shape=tuple(shape),
                    membrane_offset=lif.membrane_offset)

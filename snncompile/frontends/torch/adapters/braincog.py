"""BrainCog 0.2.7.19 neurons (``braincog.base.node.node``): ``LIFNode``, ``BackEINode``.

What BrainCog computes per step (``BaseNode.forward`` with ``layer_by_layer=False`` and
one group: one call is one step; ``LIFNode.integral`` / ``calc_spike``)::

    mem = mem + (x - mem) / tau
    s   = act_fun(mem - threshold)      the surrogate's forward is the comparator
    mem = mem * (1 - s)                 reset to 0

so ``LIF`` with ``decay = 1 - 1/tau``, ``gain = 1/tau``, ``threshold``, reset ``ZERO``
(v_reset 0), timing ``IMMEDIATE``. The comparator is read off the surrogate itself (its
forward at exactly 0: 1 means fire at ``mem >= threshold``, ``SigmoidGrad`` as TIM uses;
0 means ``>``, BrainCog's default ``QGateGrad``), so no surrogate is guessed.

``BackEINode`` (BackEISNN; toy F, :mod:`snncompile.zoo.backei` has its equations) is a
``LIF`` with ``decay`` (0.2), gain 1, reset to 0, plus, when enabled:

- ``if_back``: its input is gated, ``I' = sigmoid(Conv_back(o[t-1])) * I``: a ``Conv2d``
  fed by the node's own output over a one-step edge, a ``Sigmoid`` and a ``Mul``
  (plus a zero ``Constant`` into the ``Conv2d``: adding 0 changes nothing, and it gives
  shape inference a known input on a loop whose only other edge is delayed);
- ``if_ei``: the output is ``o = sign(Conv_ei(mem)) * s`` with ``mem`` the membrane
  before the reset. The IR's neurons send spikes only, so the graph keeps a float copy
  of that membrane beside the LIF, from the same input and its spikes::

      mem[t] = decay * post[t-1] + I'[t]            (the LIF's own update, same order)
      post[t] = mem[t] - mem[t] * s[t]               (reset to 0)
      o[t] = Sign(Conv2d_ei(mem[t])) * s[t]

Every one of those is a host operation; the LIF itself is chip-capable.
"""

from __future__ import annotations

import numpy as np
import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.ir import LIF, Add, Comparator, Constant, Conv2d, Reset, ResetTiming, Scale
from snncompile.ir.host import Mul
from snncompile.ir.host_activation import Sigmoid, Sign


def comparator_of(module, path: str) -> Comparator:
    with torch.no_grad():
        at_zero = float(module.act_fun(torch.zeros(1, dtype=torch.float64)).reshape(-1)[0])
    if at_zero not in (0.0, 1.0):
        raise unsupported(path, module, f"surrogate forward at 0 is {at_zero}, not a spike (0 or 1)")
    return Comparator.GE if at_zero == 1.0 else Comparator.GT


def _one_step(module, path: str) -> None:
    if getattr(module, "layer_by_layer", False) or getattr(module, "groups", 1) != 1:
        raise unsupported(path, module, "layer_by_layer or grouped steps (several steps per call) are not one step")
    if getattr(module, "sigmoid_thres", False):
        raise unsupported(path, module, "sigmoid_thres=True (a learnt threshold through a sigmoid)")


@adapter("braincog.base.node.node.LIFNode")
def _lif(module, shape, path) -> Fragment:
    _one_step(module, path)
    k = 1.0 / float(module.tau)
    return Fragment(LIF(shape=shape, decay=array(1.0 - k), gain=array(k), bias=array(0.0),
                        threshold=array(module.threshold), v_reset=array(0.0), reset=Reset.ZERO,
                        reset_timing=ResetTiming.IMMEDIATE, comparator=comparator_of(module, path)))


def _conv(conv) -> Conv2d:
    return Conv2d(weight=array(conv.weight), bias=None if conv.bias is None else array(conv.bias),
                  stride=conv.stride, padding=conv.padding, dilation=conv.dilation, groups=conv.groups)


@adapter("braincog.base.node.node.BackEINode")
def _backei(module, shape, path) -> Fragment:
    _one_step(module, path)
    lif = LIF(shape=shape, decay=array(module.decay), gain=array(1.0), bias=array(0.0),
              threshold=array(module.threshold), v_reset=array(0.0), reset=Reset.ZERO,
              reset_timing=ResetTiming.IMMEDIATE, comparator=comparator_of(module, path))
    if not module.if_back and not module.if_ei:
        return Fragment(lif)
    if len(shape) != 3:
        raise unsupported(path, module, f"expects (channels, height, width) per step, found {shape}")
    extra: dict = {"in": Scale(scale=np.asarray(1.0))}
    edges: list[tuple] = []
    drive = "in"
    if module.if_back:
        extra.update({"back": _conv(module.back), "gain": Sigmoid(), "drive": Mul()})
        edges += [("back", "gain", 0), ("gain", "drive", 0, "a"), ("in", "drive", 0, "b")]
        drive = "drive"
    edges.append((drive, "", 0))
    output = ""
    if module.if_ei:
        extra.update({"leak": Scale(scale=lif.decay), "mem": Add(), "fired": Mul(), "reset": Scale(scale=np.asarray(-1.0)),
                      "post": Add(), "ei": _conv(module.ei), "sign": Sign(), "out": Mul()})
        edges += [("leak", "mem", 1), (drive, "mem", 0), ("post", "leak", 0),
                  ("mem", "fired", 0, "a"), ("", "fired", 0, "b"), ("fired", "reset", 0),
                  ("mem", "post", 0), ("reset", "post", 0),
                  ("mem", "ei", 0), ("ei", "sign", 0), ("sign", "out", 0, "a"), ("", "out", 0, "b")]
        output = "out"
    if module.if_back:  # o[t-1] (0 at t = 0); the zero term gives the loop a shape to start from
        extra["zero"] = Constant(value=np.zeros(shape))
        edges += [(output, "back", 1), ("zero", "back", 0)]
    return Fragment(lif, extra, edges, entry="in", output=output, output_shape=tuple(shape))

"""BrainCog 0.2.7.19 neurons (``braincog.base.node.node``): ``LIFNode``.

What BrainCog computes per step (``BaseNode.forward`` with ``layer_by_layer=False`` and
one group: one call is one step; ``LIFNode.integral`` / ``calc_spike``)::

    mem = mem + (x - mem) / tau
    s   = act_fun(mem - threshold)      the surrogate's forward is the comparator
    mem = mem * (1 - s)                 reset to 0

so ``LIF`` with ``decay = 1 - 1/tau``, ``gain = 1/tau``, ``threshold``, reset ``ZERO``
(v_reset 0), timing ``IMMEDIATE``. The comparator is read off the surrogate itself (its
forward at exactly 0: 1 means fire at ``mem >= threshold``, ``SigmoidGrad`` as TIM uses;
0 means ``>``, BrainCog's default ``QGateGrad``), so no surrogate is guessed.
"""

from __future__ import annotations

import torch

from snncompile.frontends.torch.adapters import Fragment, adapter, array, unsupported
from snncompile.ir import LIF, Comparator, Reset, ResetTiming


def comparator_of(module, path: str) -> Comparator:
    with torch.no_grad():
        at_zero = float(module.act_fun(torch.zeros(1, dtype=torch.float64)).reshape(-1)[0])
    if at_zero not in (0.0, 1.0):
        raise unsupported(path, module, f"surrogate forward at 0 is {at_zero}, not a spike (0 or 1)")
    return Comparator.GE if at_zero == 1.0 else Comparator.GT


@adapter("braincog.base.node.node.LIFNode")
def _lif(module, shape, path) -> Fragment:
    if getattr(module, "layer_by_layer", False) or getattr(module, "groups", 1) != 1:
        raise unsupported(path, module, "layer_by_layer or grouped steps (several steps per call) are not one step")
    if getattr(module, "sigmoid_thres", False):
        raise unsupported(path, module, "sigmoid_thres=True (a learnt threshold through a sigmoid)")
    k = 1.0 / float(module.tau)
    return Fragment(LIF(shape=shape, decay=array(1.0 - k), gain=array(k), bias=array(0.0),
                        threshold=array(module.threshold), v_reset=array(0.0), reset=Reset.ZERO,
                        reset_timing=ResetTiming.IMMEDIATE, comparator=comparator_of(module, path)))

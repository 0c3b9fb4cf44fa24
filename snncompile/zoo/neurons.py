"""The neuron modules the transformer toys are built from: the frameworks' own classes.

SpikingJelly 2.0.0 ``activation_based.neuron.LIFNode`` (toys A and C), per step
(``functional.lif_step``; ``surrogate.heaviside`` is ``x >= 0``)::

    h = v + (x - (v - v_reset)) / tau          decay_input=True, tau = 2
    s = (h - v_threshold >= 0)                 fires AT the threshold
    v = v_reset where s else h                 hard reset to v_reset = 0

BrainCog ``braincog.base.node.node.LIFNode`` (toy B), per step (``BaseNode.forward``
with ``layer_by_layer=False``: one call is one step)::

    mem = mem + (x - mem) / tau                tau = 2
    s = act_fun(mem - threshold)
    mem = mem * (1 - s)                        reset to 0

BrainCog's comparator is its surrogate's forward: its default ``QGateGrad`` (and
``AtanGrad``) fire on ``mem - threshold > 0``, ``SigmoidGrad`` on ``>= 0``
(``heaviside``). TIM's code uses its own ``MyGrad`` = ``sigmoid.apply`` with alpha 4,
so :func:`braincog_lif` sets ``SigmoidGrad(alpha=4)``: firing at ``mem >= threshold``.
BrainCog's constructor takes ``threshold``; an unknown keyword such as
``v_threshold=0.5`` lands in ``**kwargs`` and is ignored (this is why TIM's 0.3/0.5
thresholds are not applied as coded). ``mem_detach=True`` (TIM's ``MyNode`` default)
only cuts the gradient through the previous membrane.

braincog 0.2.7.19 cannot be imported the ordinary way without torchvision:
``braincog/base/__init__.py`` imports ``brainarea``, which imports ``model_zoo``, which
imports torchvision (no CPU build for the pinned torch here). :func:`braincog_node_module`
therefore loads the real ``braincog/base/node/node.py`` (and the ``strategy.surrogate``
it imports) with an empty stand-in for the ``braincog.base`` package ``__init__``. The
classes are BrainCog's own, unchanged, with their usual qualified names.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

from torch import nn

TAU = 2.0


def sj_lif(v_threshold: float = 1.0) -> nn.Module:
    """SpikingJelly single-step LIF as Spikformer builds it (tau 2, hard reset to 0)."""
    from spikingjelly.activation_based import neuron, surrogate

    return neuron.LIFNode(tau=TAU, decay_input=True, v_threshold=v_threshold, v_reset=0.0,
                          surrogate_function=surrogate.Sigmoid(), detach_reset=True,
                          step_mode="s")


def braincog_node_module() -> types.ModuleType:
    """``braincog.base.node.node``, importable without torchvision (see module docstring)."""
    try:
        return importlib.import_module("braincog.base.node.node")
    except ImportError:  # braincog.base's __init__ needs torchvision (through model_zoo)
        pass
    spec = importlib.util.find_spec("braincog")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("braincog is not installed")
    stub = types.ModuleType("braincog.base")
    stub.__path__ = [os.path.join(list(spec.submodule_search_locations)[0], "base")]
    sys.modules["braincog.base"] = stub
    return importlib.import_module("braincog.base.node.node")


def braincog_lif(threshold: float = 1.0) -> nn.Module:
    """BrainCog single-step LIF (tau 2, reset to 0) firing at ``mem >= threshold``."""
    node = braincog_node_module()
    surrogate = importlib.import_module("braincog.base.strategy.surrogate")
    lif = node.LIFNode(threshold=threshold, tau=TAU, layer_by_layer=False, step=1,
                       mem_detach=True)
    lif.act_fun = surrogate.SigmoidGrad(alpha=4.0, requires_grad=False)
    return lif

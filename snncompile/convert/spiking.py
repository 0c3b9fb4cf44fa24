"""The modules a converted network is built from (one time step per call).

A ReLU with scale ``lambda`` becomes, as in SpikingJelly's ann2snn (``VoltageScaler(1 /
lambda)`` → ``IFNode(v_threshold=1, v_reset=None)`` → ``VoltageScaler(lambda)``)::

    v = v + x / lambda            (LIF: v = decay v + x / lambda)
    s = v >= 1;  v = v - s        (reset 'zero': v = 0 where s)
    y = lambda s

so the next layer receives ``lambda`` per spike: over ``T`` steps of a constant input its
mean input approaches the ANN's ``W relu(a) + b`` (rate coding). The output layer (no
ReLU) gets the same neuron with its own ``lambda`` and emits the spikes themselves: the
class is the output neuron with the most spikes. The neurons are snncompile's own
(:mod:`snncompile.nn`), whose forward is the IR's equation, so the traced graph is the
module.
"""

from __future__ import annotations

import torch
from torch import fx, nn

from snncompile.convert.options import ConvertOptions
from snncompile.ir import Comparator, Reset
from snncompile.nn import IF, LIF, reset_states


def make_neuron(options: ConvertOptions) -> nn.Module:
    """A threshold-1, '>=' neuron with the options' leak and reset (float64)."""
    common = dict(threshold=1.0, v_reset=0.0, comparator=Comparator.GE,
                  reset=Reset.SUBTRACT if options.reset == "subtract" else Reset.ZERO)
    neuron = LIF(decay=options.decay, **common) if options.neuron == "lif" else IF(**common)
    neuron = neuron.double()
    if options.neuron == "lif":
        neuron.p("decay").fill_(options.decay)  # the float64 value, not its float32 rounding
    return neuron


class SpikingReLU(nn.Module):
    """``lambda * neuron(x / lambda)`` (module docstring)."""

    def __init__(self, scale: float, options: ConvertOptions):
        super().__init__()
        self.scale, self.inverse = float(scale), 1.0 / float(scale)
        self.neuron = make_neuron(options)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.neuron(x * self.inverse) * self.scale


class SpikingOutput(nn.Module):
    """``neuron(x / lambda)``: the output layer's spikes (counted for the class)."""

    def __init__(self, scale: float, options: ConvertOptions):
        super().__init__()
        self.scale, self.inverse = float(scale), 1.0 / float(scale)
        self.neuron = make_neuron(options)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.neuron(x * self.inverse)


class ConvertedSNN(fx.GraphModule):
    """The converted network, the ANN's traced graph with its ReLUs replaced: ``forward``
    is one step; :meth:`reset` starts a sequence (the name
    :func:`snncompile.zoo.stepping.reset_state` looks for)."""

    def reset(self) -> None:
        reset_states(self)

"""Toy F: BackEISNN (Zhao et al., Neural Networks 2022), one time step per call.

Built from BrainCog's own ``BackEINode`` (``braincog.base.node.node``, 0.2.7.19); the
layout follows BrainCog's BackEISNN example model ``MNISTNet`` (Conv -> BackEI -> AvgPool,
twice, then Linear layers with plain nodes, ``encode_type='rate'``).
Per step, with ``I`` the node's input and ``o[t-1]`` its previous output::

    mem = decay * mem                                   decay 0.2
    mem += sigmoid(Conv_back(o[t-1])) * I               if_back (else mem += I)
    e   = sign(Conv_ei(mem))                            if_ei, before the reset
    s   = mem - threshold > 0                           threshold 0.5
    mem = mem * (1 - s)
    o   = e * s  (in {-1, 0, +1})  if if_ei, else s

``Conv_back`` and ``Conv_ei`` are ``Conv2d(channel, channel, 5, padding 2)`` with bias
(``cfg_backei = 2``); ``o[-1] = 0``. With both features off it is a plain LIF
(``v = 0.2 v + I``, spike ``v > 0.5``, reset to 0).

Toy F (seeds.md): per step a (1, 12, 12) rate-coded digit (``data.rate_sequence``, as
the paper's ``encode_type='rate'``), T = 8::

    Conv(1->4, 5) + BackEI -> AvgPool 2 -> Flatten -> Linear(64->10) + plain node

classified by the output spike counts over time (the paper averages the output spikes).

BrainCog's surrogates return ``float32`` whatever their input (``.float()``), so a
``BackEINode`` only runs in a float32 model: the toy is loaded and evaluated in float32
(:func:`load_backei`), and the compiled float graph is compared in float32 too.

On a chip (:mod:`snncompile.frontends.torch.adapters.braincog`): the gain
``sigmoid(Conv_back(o)) * I`` multiplies two computed values and ``Conv_ei`` reads the
membrane, which a chip neuron does not send: both run on the host (the host keeps a
float copy of the membrane for ``Conv_ei``); the neuron's integrate, fire and reset are
the chip's LIF. The plain variant runs entirely on chip.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from snncompile.zoo.neurons import braincog_node_module
from snncompile.zoo.stepping import WEIGHTS, load_weights

VARIANTS = {"backei": (True, True), "backei_back": (True, False), "backei_plain": (False, False)}


class BackEISNN(nn.Module):
    """Toy F, one step per call: (batch, 1, 12, 12) spikes -> (batch, 10) output spikes."""

    steps = 8

    def __init__(self, if_back: bool = True, if_ei: bool = True, channels: int = 4, classes: int = 10) -> None:
        super().__init__()
        node = braincog_node_module().BackEINode
        self.conv = nn.Conv2d(1, channels, 5)
        self.node1 = node(channel=channels, if_back=if_back, if_ei=if_ei, cfg_backei=2, layer_by_layer=False)
        self.pool = nn.AvgPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels * 16, classes)
        self.node2 = node(if_back=False, if_ei=False, layer_by_layer=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.node2(self.fc(self.flatten(self.pool(self.node1(self.conv(x))))))


def load_backei(variant: str = "backei", path: str | Path | None = None) -> BackEISNN:
    """Toy F (``variant`` of :data:`VARIANTS`) with its trained weights, float32, eval mode."""
    if_back, if_ei = VARIANTS[variant]
    model = BackEISNN(if_back, if_ei).float()
    return load_weights(model, path or WEIGHTS / f"{variant}.npz")  # type: ignore[return-value]

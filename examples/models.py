"""Example model factories for ``snncompile MODEL`` (``examples/models.py:<factory>``).

Each factory returns a one-time-step ``nn.Module`` for the 12-taxel, 7-class Braille
task (see ``../shared/data/README.md``): its forward takes one step's input
(batch, 12) and returns that step's output spikes (batch, 7). Weights are random unless
a state_dict is given with ``--weights``.
"""

from __future__ import annotations

import torch
from torch import nn

import snncompile.nn as snn

TAXELS, CLASSES = 12, 7


def braille_lif(input_shape: tuple[int, ...] = (TAXELS,), hidden: int = 64) -> nn.Module:
    """Plain torch + snncompile.nn: Linear -> LIF -> Linear -> LIF, snnTorch-style
    subtractive reset one step late (``reset_timing='delayed'``), per-neuron decay."""
    torch.manual_seed(0)
    (features,) = input_shape
    return nn.Sequential(
        nn.Linear(features, hidden),
        snn.LIF(decay=torch.full((hidden,), 0.9), threshold=1.0, reset="subtract", reset_timing="delayed", learn=("decay",)),
        nn.Dropout(0.1),
        nn.Linear(hidden, CLASSES),
        snn.LIF(decay=0.9, threshold=1.0, reset="subtract", reset_timing="delayed"),
    )


def braille_snntorch(input_shape: tuple[int, ...] = (TAXELS,), hidden: int = 40) -> nn.Module:
    """snnTorch: the NIR paper's Braille RSNN trained with subtractive reset (Pedersen et
    al. 2024): Linear (no bias) -> RSynaptic(alpha 0.75, beta 0.85, all-to-all recurrent)
    -> Linear (no bias) -> Synaptic(alpha 0.45, beta 0.7). ``braille_snntorch.pt`` next to
    this file holds its trained weights (converted from the paper's
    ``braille_noDelay_noBias_subtract.nir``, BSD-3-Clause, © 2023 NIR Team)."""
    import snntorch

    torch.manual_seed(0)
    (features,) = input_shape
    return nn.Sequential(
        nn.Linear(features, hidden, bias=False),
        snntorch.RSynaptic(alpha=0.75, beta=0.85, linear_features=hidden, init_hidden=True),
        nn.Linear(hidden, CLASSES, bias=False),
        snntorch.Synaptic(alpha=0.45, beta=0.7, init_hidden=True),
    )

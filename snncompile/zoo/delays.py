"""Toy D: learned synaptic delays (DCLS, Hammouamri et al.'s SNN-delays), trained on
scikit-learn's digits read out over time.

The network as the SNN-delays code builds it (``snn_delays.py``), small: per layer,
time padded ``K - 1`` left and ``(K - 1) // 2`` right -> DCLS ``Dcls1d`` over time (one
learned position per synapse) -> BatchNorm1d -> SpikingJelly ``LIFNode`` (tau 1.5,
``decay_input=False``, threshold 1, hard reset, ``>=``) -> dropout; a last ``Dcls1d``
layer into neurons that never spike (SNN-delays: a LIF with threshold 1e9 whose membrane
is read). 16 inputs, 2 x 32 hidden, 10 classes, K = 7, T = 40 (seeds.md, toy D).

After training (SNN-delays' schedule: Gaussian kernels whose width shrinks, then
positions rounded, ``version='max'`` with ``SIG = 0``, weights fine-tuned) every
synapse has one integer delay ``d = K//2 - P`` in ``[0, K - 1]``; DCLS multiplies its
weight by ``1 / (1 + 1e-7)`` (its kernel normalisation).

Two forwards of the same modules:

- :meth:`DelayNet.forward`: ONE time step (the compiler's protocol, what is traced):
  each ``Dcls1d`` inside a :class:`~snncompile.nn.TemporalConv`; the readout is
  :class:`snncompile.nn.LI` with decay ``1 - 1/tau``, the equation of SpikingJelly's
  ``LIFNode`` below its threshold;
- :meth:`DelayNet.sequence`: the SNN-delays forward over a whole (batch, T, 16) input —
  pad, ``Dcls1d`` over time (a conv1d), BatchNorm, the LIF stepped over time, and the
  readout as SpikingJelly's own ``LIFNode(v_threshold=1e9)``, its membrane recorded.
  Each layer's output is ``(K - 1) // 2`` steps longer than its input (the right
  padding); those extra steps lie after the input's last step and are dropped, so every
  layer and the readout have T steps: by causality, the first T steps of SNN-delays'
  own output. The input carries ``OUT_STEPS - STEPS`` = 9 silent steps after the 40
  steps of the code (:func:`padded_sequence`: the extra steps SNN-delays' right padding
  gives the network to respond; seeds.md: "simulate extra zero-input steps"), and both
  forwards run on it. (Dropping the tails matters: with trained BatchNorm biases the
  neurons fire without input, and SNN-delays' zero right padding would feed the next
  layer zeros where a step-by-step run has those spikes.) This is the oracle the
  compiled graph is checked against.

Class = argmax of the readout membrane summed over all steps.

Input (:func:`scan_sequence`): each 8x8 digit read by two slits, a column slit sweeping
left to right (channels 0-7: the 8 rows) and a row slit sweeping down (channels 8-15:
the 8 columns); slit position ``k`` (0..7) lasts 4 steps, and a pixel of intensity
``v`` (0..1) spikes once, at step ``4k + 4 - floor(4v)`` when ``v >= 1/4`` (brighter:
earlier), else never; steps 32..39 are silent. Deterministic; the split is
:mod:`snncompile.zoo.data`'s (1347 training, 450 held-out digits).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from snncompile.nn import LI, TemporalConv

INPUTS, HIDDEN, LAYERS, CLASSES = 16, 32, 2, 10
K, TAU, STEPS, THRESHOLD = 7, 1.5, 40, 1.0
RIGHT = (K - 1) // 2
#: steps the network runs: STEPS of code plus the RIGHT steps per layer that SNN-delays'
#: right padding gives each layer (silent input)
OUT_STEPS = STEPS + RIGHT * (LAYERS + 1)
SLOT = 4  # steps per slit position
DROPOUT = 0.1


def scan_events(images: np.ndarray) -> np.ndarray:
    """(n, 8, 8) images in [0, 1] -> (n, STEPS, 16) spikes (see the module docstring)."""
    n = images.shape[0]
    level = np.floor(images * SLOT).astype(int)  # 0..4; a pixel spikes when level >= 1
    x = np.zeros((n, STEPS, INPUTS))
    for k in range(8):
        for channel, values in ((slice(0, 8), level[:, :, k]), (slice(8, 16), level[:, k, :])):
            for c in range(8):
                lv = values[:, c]
                rows = np.nonzero(lv >= 1)[0]
                x[rows, SLOT * k + SLOT - lv[rows], channel.start + c] = 1.0
    return x


def scan_sequence(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Toy D's input (n, STEPS, 16) and labels of ``split`` ('train' or 'test')."""
    from snncompile.zoo import data

    images, labels = data.digits(split)
    return scan_events(images[:, ::2, ::2]), labels  # the 8x8 originals (data.digits repeats pixels 2x2)


def padded_sequence(split: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scan_sequence` with the ``OUT_STEPS - STEPS`` silent steps the output needs
    (n, OUT_STEPS, 16): what a step-by-step run takes."""
    x, labels = scan_sequence(split)
    return np.concatenate([x, np.zeros((len(x), OUT_STEPS - STEPS, INPUTS))], axis=1), labels


def _dcls(n_in: int, n_out: int, version: str) -> nn.Module:
    from DCLS.construct.modules import Dcls1d

    return Dcls1d(n_in, n_out, kernel_count=1, dilated_kernel_size=K, bias=False, version=version)


def _lif() -> nn.Module:
    from spikingjelly.activation_based import neuron, surrogate

    return neuron.LIFNode(tau=TAU, decay_input=False, v_threshold=THRESHOLD, v_reset=0.0,
                          surrogate_function=surrogate.ATan(), detach_reset=True, step_mode="s")


class MembraneReadout(LI):
    """:class:`snncompile.nn.LI` with the ``reset()`` the zoo's stepping (and
    SpikingJelly's ``reset_net``) call between sequences."""

    def reset(self) -> None:
        self.reset_state()


class DelayBlock(nn.Module):
    """Dcls1d over time -> BatchNorm1d -> LIF -> dropout, one step per call."""

    def __init__(self, n_in: int, n_out: int, version: str):
        super().__init__()
        self.delays = TemporalConv(_dcls(n_in, n_out, version))
        self.bn = nn.BatchNorm1d(n_out)
        self.lif = _lif()
        self.drop = nn.Dropout(DROPOUT)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.lif(self.bn(self.delays(x))))


class DelayNet(nn.Module):
    """Toy D (see the module docstring). ``version`` is DCLS's kernel: ``'gauss'`` while
    training positions, ``'max'`` (one tap per synapse once positions are rounded)."""

    def __init__(self, version: str = "max"):
        super().__init__()
        sizes = [INPUTS] + [HIDDEN] * LAYERS
        self.blocks = nn.Sequential(*[DelayBlock(a, b, version) for a, b in zip(sizes, sizes[1:])])
        self.head = TemporalConv(_dcls(HIDDEN, CLASSES, version))
        self.readout = MembraneReadout(decay=1.0 - 1.0 / TAU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.head(self.blocks(x)))

    def dcls(self) -> list[Any]:
        return [self.head.conv] + [b.delays.conv for b in self.blocks]  # type: ignore[union-attr]

    def reset_sequence(self) -> None:
        """Start a new sequence: every submodule's ``reset()`` (neurons, delay lines, the
        readout), as SpikingJelly's ``reset_net`` and :func:`~snncompile.zoo.stepping.run` do."""
        from spikingjelly.activation_based import functional

        functional.reset_net(self)

    def round_positions(self) -> None:
        """SNN-delays' last stage: positions rounded, ``version='max'`` with ``SIG = 0``
        (one tap per synapse, at delay ``K//2 - P``)."""
        with torch.no_grad():
            for conv in self.dcls():
                conv.P.round_()
                conv.clamp_parameters()
                conv.SIG.zero_()
                conv.version = conv.DCK.version = "max"

    def delays(self) -> dict[str, np.ndarray]:
        """Per-synapse delays ``K//2 - P`` of each Dcls1d, (out, in) (rounded positions)."""
        names = ["head"] + [f"blocks.{i}.delays" for i in range(len(self.blocks))]
        return {n: (K // 2 - conv.P.detach().cpu().numpy()[0, :, :, 0]).astype(np.int64)
                for n, conv in zip(names, self.dcls())}

    def sequence(self, x: torch.Tensor, record: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """The SNN-delays forward on (batch, T, 16) (:func:`padded_sequence`'s input):
        readout membranes (batch, T, classes), each layer cut to the input's T steps (see
        the module docstring). ``record`` (optional) receives each hidden layer's spikes."""
        from spikingjelly.activation_based import neuron

        self.reset_sequence()
        steps = x.shape[1]
        h = x.transpose(0, 1)  # (T, batch, C), SNN-delays' layout
        blocks: list[DelayBlock] = list(self.blocks)  # type: ignore[arg-type]
        for i, block in enumerate(blocks):
            z = block.delays.sequence(h, right=RIGHT)[:steps]
            z = block.bn(z.reshape(-1, z.shape[-1])).reshape(z.shape)
            h = block.drop(torch.stack([block.lif(z[t]) for t in range(z.shape[0])]))
            if record is not None:
                record[f"blocks.{i}.lif"] = h.transpose(0, 1)
        z = self.head.sequence(h, right=RIGHT)[:steps]
        readout = neuron.LIFNode(tau=TAU, decay_input=False, v_threshold=1e9, v_reset=0.0, step_mode="s").to(z)
        membranes = []
        for t in range(z.shape[0]):
            readout(z[t])
            membranes.append(readout.v)
        return torch.stack(membranes, dim=1)


def load_delays() -> DelayNet:
    """Toy D with its trained weights (float64, eval mode)."""
    from snncompile.zoo.stepping import WEIGHTS, load_weights

    return load_weights(DelayNet("max").double(), WEIGHTS / "delays.npz")  # type: ignore[return-value]

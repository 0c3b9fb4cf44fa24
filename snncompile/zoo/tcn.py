"""A spiking temporal convolutional network (TCN) that forecasts a real time series: 4
EEG channels, one step ahead, read out as a regression from membranes; it forecasts the
*change* of the series, on top of persistence (the next value is the current one).

Data: matplotlib's sample ``eeg.dat`` (800 samples x 4 channels of EEG, each channel
already standardised; used by matplotlib's ``mri_with_eeg`` example; it ships inside
matplotlib, nothing is downloaded). The first ``TRAIN`` = 560 samples train, the last 240
are held out (``"test"``); the training part splits again for model selection: its
first ``FIT`` = 448 samples fit the weights (``"fit"``), its last 112 validate
(``"validation"``). A sample is a window of ``WINDOW`` = 64 consecutive steps (stride 8
in the training parts, 4 in validation and held out); its input at step ``t`` is the
series ``x[t]`` (4 real values), its target the series at ``t + 1``.

Network, per step (the layers as a TCN writes them over a (batch, C, T) sequence)::

    TemporalConv(Conv1d(4 -> 64, k=2, dilation 1)) -> LIF
    TemporalConv(Conv1d(64 -> 64, k=2, dilation 2)) -> LIF
    TemporalConv(Conv1d(64 -> 64, k=2, dilation 4)) -> LIF
    sum over layers i of Linear_i(64 -> 4) + skip(x) -> LI (decay 1/2): the forecast is
    the readout membrane

causal dilated convolutions over time (time padded ``dilation`` steps on the left),
receptive field 8 steps; the readout reads the spikes of every layer (a TCN's skip
connections to its output: the first layer's spikes carry the latest change soonest).
The neurons are :class:`snncompile.nn.LIF` (decay 1/2, threshold 1, reset to zero,
``>``). The persistence skip is a fixed convolution over
time, ``skip(x)[t] = x[t] - READOUT_DECAY * x[t-1]`` (not trained): the leaky readout
``v[t] = READOUT_DECAY * v[t-1] + c[t] + skip(x)[t]`` (``c`` the sum of the Linears) then
holds exactly ``x[t] + sum_k READOUT_DECAY**k c[t-k]``, the current value plus the network's
correction; with the correction zero the forecast is persistence. Compiled, every
``Conv1d`` over time is two Linear synapses with delays 0 and ``dilation``
(:mod:`snncompile.frontends.torch.temporal`); the partition puts the synapses fed by the
real-valued input (the first layer's and the skip's) on the host, whose sums enter the
chip neurons through entry synapses.

:meth:`SpikingTCN.sequence` is the TCN's own whole-sequence forward (``Conv1d`` over the
padded time axis, the neurons stepped over time), the oracle of the per-step
:meth:`SpikingTCN.forward`. Errors are root mean square over every channel and every
step from ``WARMUP`` = 8 on (the receptive field), in the series' standardised units.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import torch
from torch import nn

from snncompile.nn import LI, LIF, TemporalConv, reset_states

CHANNELS, HIDDEN, KERNEL, DILATIONS = 4, 64, 2, (1, 2, 4)
READOUT_DECAY = 0.5
WINDOW, WARMUP, TRAIN, FIT = 64, 8, 560, 448
#: split -> (first sample, end sample, window stride)
SPLITS = {"train": (0, TRAIN, 8), "fit": (0, FIT, 8), "validation": (FIT, TRAIN, 4), "test": (TRAIN, 800, 4)}


def eeg() -> np.ndarray:
    """matplotlib's sample EEG: (800, 4) float64."""
    from matplotlib import cbook

    path = cbook.get_sample_data("eeg.dat", asfileobj=False)
    return np.fromfile(path, dtype=np.float64).reshape(800, CHANNELS)


def windows(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (n, WINDOW, 4) (the series) and targets (n, WINDOW, 4) (the next step's values)."""
    if split not in SPLITS:
        raise ValueError(f"split is {split!r}; expected one of {sorted(SPLITS)}")
    first, end, stride = SPLITS[split]
    part = eeg()[first:end]
    starts = range(0, len(part) - WINDOW, stride)  # the last step's target is inside the part
    values = np.stack([part[s:s + WINDOW] for s in starts])
    targets = np.stack([part[s + 1:s + WINDOW + 1] for s in starts])
    return values, targets


def persistence(values: np.ndarray) -> np.ndarray:
    """The trivial forecast: the next value is the current one."""
    return values


def rmse(forecast: np.ndarray, target: np.ndarray) -> float:
    """Root mean square error over (n, T, 4) from step WARMUP on."""
    return float(np.sqrt(np.mean((forecast[:, WARMUP:] - target[:, WARMUP:]) ** 2)))


class SpikingTCN(nn.Module):
    """The spiking TCN (see the module docstring); ``forward`` is one step."""

    def __init__(self, hidden: int = HIDDEN):
        super().__init__()
        sizes = [CHANNELS] + [hidden] * len(DILATIONS)
        self.convs = nn.ModuleList(TemporalConv(nn.Conv1d(a, b, KERNEL, dilation=d))
                                   for a, b, d in zip(sizes, sizes[1:], DILATIONS))
        self.lifs = nn.ModuleList(LIF(decay=0.5, threshold=1.0) for _ in DILATIONS)
        # the readout reads every layer (one bias is enough)
        self.outs = nn.ModuleList(nn.Linear(hidden, CHANNELS, bias=i == 0) for i in range(len(DILATIONS)))
        self.skip = TemporalConv(nn.Conv1d(CHANNELS, CHANNELS, KERNEL, bias=False))
        with torch.no_grad():  # skip(x)[t] = x[t] - READOUT_DECAY x[t-1] (kernel index 1 is step t)
            eye = torch.eye(CHANNELS)
            self.skip.conv.weight.copy_(torch.stack([-READOUT_DECAY * eye, eye], dim=-1))
        self.skip.conv.weight.requires_grad_(False)
        self.readout = LI(decay=READOUT_DECAY)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, y = x, self.skip(x)
        for conv, lif, out in zip(self.convs, self.lifs, self.outs):
            h = lif(conv(h))
            y = y + out(h)
        return self.readout(y)

    def reset(self) -> None:
        """Start a new sequence (what :func:`~snncompile.zoo.stepping.run` calls)."""
        for m in self.modules():
            if isinstance(m, TemporalConv):
                m.reset()
        reset_states(self)

    def sequence(self, x: torch.Tensor, record: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """The TCN's whole-sequence forward on (batch, T, 4): forecasts (batch, T, 4)."""
        self.reset()
        xs = x.transpose(0, 1)  # (T, batch, C)
        h, y = xs, self.skip.sequence(xs)
        for i, (conv, lif, out) in enumerate(zip(self.convs, self.lifs, self.outs)):
            z = cast(TemporalConv, conv).sequence(h)
            h = torch.stack([lif(z[t]) for t in range(z.shape[0])])
            y = y + out(h)
            if record is not None:
                record[f"lifs.{i}"] = h.transpose(0, 1)
        return torch.stack([self.readout(y[t]) for t in range(y.shape[0])], dim=1)


def load_tcn() -> SpikingTCN:
    """The trained spiking TCN (float64, eval mode)."""
    from snncompile.zoo.stepping import WEIGHTS, load_weights

    return load_weights(SpikingTCN().double(), WEIGHTS / "tcn.npz")  # type: ignore[return-value]

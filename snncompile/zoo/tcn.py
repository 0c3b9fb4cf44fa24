"""A spiking temporal convolutional network (TCN) that forecasts a real time series: 4
EEG channels, one step ahead, read out as a regression from membranes.

Data: matplotlib's sample ``eeg.dat`` (800 samples x 4 channels of EEG, each channel
already standardised; used by matplotlib's ``mri_with_eeg`` example; it ships inside
matplotlib, nothing is downloaded). The first 560 samples train, the last 240 are held
out. A sample is a window of ``WINDOW`` = 64 consecutive steps (stride 8 in training,
4 held out); its target at step ``t`` is the series at ``t + 1``.

Encoder (spikes in): each channel drives ``len(LEVELS)`` = 4 threshold units, a
thermometer code: unit ``j`` of channel ``c`` spikes at step ``t`` when
``x_c[t] > LEVELS[j]`` (16 inputs).

Network, per step (the layers as a TCN writes them over a (batch, C, T) sequence)::

    TemporalConv(Conv1d(16 -> 32, k=2, dilation 1)) -> LIF
    TemporalConv(Conv1d(32 -> 32, k=2, dilation 2)) -> LIF
    TemporalConv(Conv1d(32 -> 32, k=2, dilation 4)) -> LIF
    Linear(32 -> 4) -> LI (decay 1/2): the forecast is the readout membrane

causal dilated convolutions over time (time padded ``dilation`` steps on the left),
receptive field 8 steps. The neurons are :class:`snncompile.nn.LIF` (decay 1/2,
threshold 1, reset to zero, ``>``). Compiled, every ``Conv1d`` over time is two Linear
synapses per layer with delays 0 and ``dilation`` (:mod:`snncompile.frontends.torch.temporal`).

:meth:`SpikingTCN.sequence` is the TCN's own whole-sequence forward (``Conv1d`` over the
padded time axis, the neurons stepped over time), the oracle of the per-step
:meth:`SpikingTCN.forward`. Errors are root mean square over every channel and every
step from ``WARMUP`` = 8 on (the receptive field), in the series' standardised units.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from snncompile.nn import LI, LIF, TemporalConv

CHANNELS, HIDDEN, KERNEL, DILATIONS = 4, 32, 2, (1, 2, 4)
LEVELS = (-1.0, -0.33, 0.33, 1.0)
INPUTS = CHANNELS * len(LEVELS)
WINDOW, WARMUP, TRAIN = 64, 8, 560
STRIDES = {"train": 8, "test": 4}


def eeg() -> np.ndarray:
    """matplotlib's sample EEG: (800, 4) float64."""
    from matplotlib import cbook

    path = cbook.get_sample_data("eeg.dat", asfileobj=False)
    return np.fromfile(path, dtype=np.float64).reshape(800, CHANNELS)


def thermometer(series: np.ndarray) -> np.ndarray:
    """(..., T, 4) values -> (..., T, 16) spikes: unit ``c * 4 + j`` fires when ``x_c > LEVELS[j]``."""
    levels = np.asarray(LEVELS)
    return (series[..., :, None] > levels).reshape(*series.shape[:-1], INPUTS).astype(np.float64)


def windows(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Encoded inputs (n, WINDOW, 16) and targets (n, WINDOW, 4) (the next step's values)."""
    if split not in STRIDES:
        raise ValueError(f"split is {split!r}; expected 'train' or 'test'")
    x = eeg()
    part = x[:TRAIN] if split == "train" else x[TRAIN:]
    starts = range(0, len(part) - WINDOW, STRIDES[split])  # the last step's target is inside the part
    values = np.stack([part[s:s + WINDOW] for s in starts])
    targets = np.stack([part[s + 1:s + WINDOW + 1] for s in starts])
    return thermometer(values), targets


def rmse(forecast: np.ndarray, target: np.ndarray) -> float:
    """Root mean square error over (n, T, 4) from step WARMUP on."""
    return float(np.sqrt(np.mean((forecast[:, WARMUP:] - target[:, WARMUP:]) ** 2)))


class SpikingTCN(nn.Module):
    """The spiking TCN (see the module docstring); ``forward`` is one step."""

    def __init__(self):
        super().__init__()
        sizes = [INPUTS] + [HIDDEN] * len(DILATIONS)
        self.convs = nn.ModuleList(TemporalConv(nn.Conv1d(a, b, KERNEL, dilation=d))
                                   for a, b, d in zip(sizes, sizes[1:], DILATIONS))
        self.lifs = nn.ModuleList(LIF(decay=0.5, threshold=1.0) for _ in DILATIONS)
        self.out = nn.Linear(HIDDEN, CHANNELS)
        self.readout = LI(decay=0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, lif in zip(self.convs, self.lifs):
            x = lif(conv(x))
        return self.readout(self.out(x))

    def reset(self) -> None:
        """Start a new sequence (what :func:`~snncompile.zoo.stepping.run` calls)."""
        for m in [*self.convs, *self.lifs, self.readout]:
            m.reset() if isinstance(m, TemporalConv) else m.reset_state()

    def sequence(self, x: torch.Tensor, record: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """The TCN's whole-sequence forward on (batch, T, 16): forecasts (batch, T, 4)."""
        self.reset()
        h = x.transpose(0, 1)  # (T, batch, C)
        for i, (conv, lif) in enumerate(zip(self.convs, self.lifs)):
            z = conv.sequence(h)
            h = torch.stack([lif(z[t]) for t in range(z.shape[0])])
            if record is not None:
                record[f"lifs.{i}"] = h.transpose(0, 1)
        y = self.out(h)
        return torch.stack([self.readout(y[t]) for t in range(y.shape[0])], dim=1)


def load_tcn() -> SpikingTCN:
    """The trained spiking TCN (float64, eval mode)."""
    from snncompile.zoo.stepping import WEIGHTS, load_weights

    return load_weights(SpikingTCN().double(), WEIGHTS / "tcn.npz")  # type: ignore[return-value]

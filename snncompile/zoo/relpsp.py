"""ReL-PSP: single-spike temporal coding with rectified-linear postsynaptic potentials
(Zhang, Wang, Wu, Chua, Qu, Li, "Rectified Linear Postsynaptic Potential Function for
Backpropagation in Deep Spiking Neural Networks", IEEE TNNLS 2021).

A neuron's potential is ``V(t) = sum_i w_i K(t - t_i)`` with ``K(x) = max(x, 0)``: each
input spike adds a ramp of slope ``w_i``, there is no leak, and the neuron fires once,
when ``V`` first exceeds the threshold; the earliest output spike is the class
(:func:`snncompile.zoo.readout.first_spike_class`: ties to the lower index). The
first crossing has the paper's closed form (:func:`first_crossing`): with the inputs
sorted by time, on the segment ``[t_(k), t_(k+1)]`` ``V(t) = W_k t - S_k`` (``W_k``,
``S_k`` the sums of ``w`` and ``w t`` over the first ``k`` inputs), so ``t* = (theta + S_k)
/ W_k`` for the first segment that contains it.

In discrete time (inputs at integer steps) this is a current-based neuron with
``du = dv = 0``: ``i[t] = i[t-1] + sum w s[t]`` (no current decay) and
``v[t] = v[t-1] + i[t]`` (no leak), so ``v[t] = sum_i w_i (t - t_i + 1) = V(t + 1)``;
with ``s[t] = v[t] > theta`` the neuron spikes at step ``floor(t*)``. "Fires once" is a
refractory period longer than any run (:data:`FIRE_ONCE`). The network here: 8x8
digits (scikit-learn's ``load_digits``), time-to-first-spike input (a pixel of
intensity ``x > 0.05`` spikes at step ``round((1 - x) (T_ENC - 1))``), 64 -> 32 -> 10
ReL-PSP neurons, trained with the closed form (``docs/scripts/train_relpsp.py``; weights
in ``zoo/weights/relpsp.npz``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

T_ENC = 8
STEPS = 24
HIDDEN = 32
CLASSES = 10
#: a refractory period longer than any run: the neuron fires at most once
FIRE_ONCE = 1 << 16
WEIGHTS = Path(__file__).parent / "weights" / "relpsp.npz"


def digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """8x8 digits in [0, 1], flattened (n, 64), and labels, split as :mod:`.data` does."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from snncompile.zoo.data import HELD_OUT, SEED

    d = load_digits()
    idx = np.arange(len(d.target))
    train, test = train_test_split(idx, test_size=HELD_OUT, stratify=d.target, random_state=SEED)
    pick = np.sort(train if split == "train" else test)
    return d.images[pick].reshape(len(pick), 64) / 16.0, d.target[pick].astype(np.int64)


def spike_times(images: np.ndarray) -> np.ndarray:
    """(n, 64) input spike steps (``inf``: no spike)."""
    return np.where(images > 0.05, np.rint((1.0 - images) * (T_ENC - 1)), np.inf)


def encode(images: np.ndarray, steps: int = STEPS) -> np.ndarray:
    """(n, steps, 64) 0/1 spike trains, one spike per active pixel."""
    times = spike_times(images)
    return (np.arange(steps)[None, :, None] == times[:, None, :]).astype(np.float64)


def data(split: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = digits(split)
    return encode(images), labels


def first_crossing(times: torch.Tensor, weight: torch.Tensor, threshold: float) -> torch.Tensor:
    """The paper's event-driven forward: (batch, out) first times ``t*`` at which
    ``sum_i w_i max(t - t_i, 0)`` reaches ``threshold`` (``inf`` when it never does), for
    input times (batch, in) (``inf``: no spike) and ``weight`` (out, in). Differentiable
    in ``weight`` and ``times`` (the paper's gradient)."""
    order = torch.argsort(times, dim=1)
    ts = torch.gather(times, 1, order)
    finite = torch.isfinite(ts)
    ws = weight.T[order] * finite[..., None]  # (batch, in, out), in time order
    tz = torch.where(finite, ts, torch.zeros_like(ts))
    cw = torch.cumsum(ws, 1)
    cwt = torch.cumsum(ws * tz[..., None], 1)
    rising = cw > 0
    cand = (threshold + cwt) / torch.where(rising, cw, torch.ones_like(cw))
    nxt = torch.cat([ts[:, 1:], torch.full_like(ts[:, :1], float("inf"))], 1)
    valid = rising & finite[..., None] & (cand >= ts[..., None]) & (cand <= nxt[..., None])
    first = torch.argmax(valid.to(torch.int64), dim=1, keepdim=True)
    t = torch.gather(cand, 1, first)[:, 0]
    return torch.where(valid.any(1), t, torch.full_like(t, float("inf")))


class ReLPSPNet(nn.Module):
    """64 -> HIDDEN -> 10 ReL-PSP neurons (snncompile.nn CubaLIF with no decay and a
    refractory period longer than any run)."""

    def __init__(self, w1: np.ndarray, w2: np.ndarray, thresholds: tuple[float, float]) -> None:
        super().__init__()
        from snncompile.nn import CubaLIF

        self.fc1 = nn.Linear(w1.shape[1], w1.shape[0], bias=False)
        self.fc2 = nn.Linear(w2.shape[1], w2.shape[0], bias=False)
        with torch.no_grad():
            self.fc1.weight.copy_(torch.as_tensor(w1))
            self.fc2.weight.copy_(torch.as_tensor(w2))
        self.psp1 = CubaLIF(syn_decay=1.0, decay=1.0, threshold=thresholds[0], refractory=FIRE_ONCE)
        self.psp2 = CubaLIF(syn_decay=1.0, decay=1.0, threshold=thresholds[1], refractory=FIRE_ONCE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.psp2(self.fc2(self.psp1(self.fc1(x))))


def load_relpsp() -> ReLPSPNet:
    with np.load(WEIGHTS, allow_pickle=False) as f:
        return ReLPSPNet(f["w1"], f["w2"], (float(f["threshold1"]), float(f["threshold2"]))).eval()

"""Train the ReL-PSP toy (snncompile/zoo/relpsp.py) with the paper's closed-form spike
times and write snncompile/zoo/weights/relpsp.npz. Deterministic (seeded), ~30 s.

    python docs/scripts/train_relpsp.py
"""

from __future__ import annotations

import numpy as np
import torch

from snncompile.fileio import atomic_path
from snncompile.zoo import relpsp as R

THRESHOLDS = (1.0, 1.0)
EPOCHS = 30


def forward(t_in: torch.Tensor, w1: torch.Tensor, w2: torch.Tensor) -> torch.Tensor:
    hidden = R.first_crossing(t_in, w1, THRESHOLDS[0])
    # the discrete network spikes at floor(t*): train through that (straight-through)
    hidden = torch.where(torch.isfinite(hidden), hidden + (torch.floor(hidden) - hidden).detach(), hidden)
    hidden = torch.where(hidden < R.STEPS, hidden, torch.full_like(hidden, float("inf")))
    return R.first_crossing(hidden, w2, THRESHOLDS[1])


def main() -> None:
    torch.manual_seed(0)
    images, labels = R.digits("train")
    t_in = torch.as_tensor(R.spike_times(images))
    y = torch.as_tensor(labels)
    w1 = (torch.rand(R.HIDDEN, 64, dtype=torch.float64) * 0.08).requires_grad_()
    w2 = (torch.rand(R.CLASSES, R.HIDDEN, dtype=torch.float64) * 0.3).requires_grad_()
    opt = torch.optim.Adam([w1, w2], lr=0.005)
    # ReL-PSP training can collapse (all hidden neurons silent: no gradient left), so the
    # weights kept are those of the epoch with the best training accuracy
    best = (-1.0, w1.detach().clone(), w2.detach().clone())
    for epoch in range(EPOCHS):
        perm = torch.randperm(len(y))
        for start in range(0, len(y), 64):
            b = perm[start:start + 64]
            t_out = forward(t_in[b], w1, w2)
            capped = torch.clamp(torch.nan_to_num(t_out, posinf=float(R.STEPS)), max=float(R.STEPS))
            loss = torch.nn.functional.cross_entropy(-capped, y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            t = torch.nan_to_num(forward(t_in, w1, w2), posinf=1e9)
            accuracy = float((torch.floor(t).argmin(1) == y).double().mean())
        print(epoch + 1, float(loss), accuracy)
        if accuracy > best[0]:
            best = (accuracy, w1.detach().clone(), w2.detach().clone())
    print("kept: training accuracy", best[0])
    with atomic_path(R.WEIGHTS, suffix=".npz") as tmp:
        np.savez(tmp, w1=best[1].numpy(), w2=best[2].numpy(), threshold1=THRESHOLDS[0],
                 threshold2=THRESHOLDS[1])


if __name__ == "__main__":
    main()

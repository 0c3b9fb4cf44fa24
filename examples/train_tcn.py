"""Train the spiking TCN (snncompile.zoo.tcn) to forecast matplotlib's sample EEG one step
ahead.

    .venv/bin/python examples/train_tcn.py [--epochs N] [--out snncompile/zoo/weights]

Backpropagation through time through the TCN's whole-sequence forward
(:meth:`SpikingTCN.sequence`), surrogate gradients of snncompile's own LIF, Adam (lr 3e-3,
cosine schedule), mean squared error from step WARMUP on; fixed seeds, float32, one CPU
thread. Held-out error is measured in float64 in eval mode on the stored weights, beside
two baselines (persistence: the next value is the current one; zero: the series' mean).
Weights go to ``<out>/tcn.npz`` (plain arrays).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from snncompile.zoo.stepping import WEIGHTS, load_weights, save_weights
from snncompile.zoo.tcn import LEVELS, WARMUP, SpikingTCN, eeg, rmse, windows

SEED, BATCH, LR = 0, 16, 3e-3


def forecast(model: SpikingTCN, x: np.ndarray) -> np.ndarray:
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        return model.sequence(torch.as_tensor(x, dtype=dtype)).numpy()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--out", type=Path, default=WEIGHTS)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    x, y = windows("train")
    xt, yt = windows("test")
    model = SpikingTCN().float()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(y))
        total = 0.0
        for i in range(0, len(y), BATCH):
            idx = order[i:i + BATCH]
            out = model.sequence(torch.as_tensor(x[idx], dtype=torch.float32))
            loss = torch.mean((out[:, WARMUP:] - torch.as_tensor(y[idx, WARMUP:], dtype=torch.float32)) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        if (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1}/{args.epochs} train mse {total / len(y):.4f} ({time.time() - start:.0f} s)",
                  flush=True)
    path = args.out / "tcn.npz"
    save_weights(model, path)
    reloaded = load_weights(SpikingTCN().double(), path)
    series = eeg()
    starts = range(0, 240 - 64, 4)
    current = np.stack([series[560 + s:560 + s + 64] for s in starts])  # persistence: x[t+1] ~ x[t]
    print(f"spiking TCN: held-out RMSE {rmse(forecast(reloaded, xt), yt):.4f} (train "
          f"{rmse(forecast(reloaded, x), y):.4f}); persistence {rmse(current, yt):.4f}, zero "
          f"{rmse(np.zeros_like(yt), yt):.4f}; levels {LEVELS}; saved {path} ({path.stat().st_size} bytes)",
          flush=True)


if __name__ == "__main__":
    main()

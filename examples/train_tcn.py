"""Train the spiking TCN (snncompile.zoo.tcn) to forecast matplotlib's sample EEG one step
ahead, as a correction on top of persistence.

    .venv/bin/python examples/train_tcn.py [--epochs N] [--hidden H] [--weight-decay W]
                                           [--grid] [--out snncompile/zoo/weights]

Backpropagation through time through the TCN's whole-sequence forward
(:meth:`SpikingTCN.sequence`), surrogate gradients of snncompile's own LIF, AdamW (lr 1e-2,
cosine schedule), mean squared error from step WARMUP on; fixed seeds, float32, one CPU
thread. The weights are fitted on the ``"fit"`` part of the training samples and the
epoch kept is the one with the lowest RMSE on the ``"validation"`` part (the rest of the
training samples; the held-out windows choose nothing). ``--grid`` fits every hidden size
and weight decay of a small grid with two seeds each, picks the pair with the lowest mean
validation RMSE and stores its seed with the lower one. The readout starts near persistence (its Linears' weights scaled by 0.1). Held-out
error is measured in float64 in eval mode on the stored weights, beside two baselines
(persistence: the next value is the current one; zero: the series' mean). Weights go to
``<out>/tcn.npz`` (plain arrays).
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch

from snncompile.zoo.stepping import WEIGHTS, load_weights, save_weights
from snncompile.zoo.tcn import HIDDEN, WARMUP, SpikingTCN, persistence, rmse, windows

BATCH, LR = 8, 1e-2
GRID = {"hidden": (32, 64), "weight_decay": (1.0, 3.0, 10.0), "seed": (0, 1)}


def forecast(model: SpikingTCN, x: np.ndarray) -> np.ndarray:
    dtype = next(model.parameters()).dtype
    model.eval()
    with torch.no_grad():
        return model.sequence(torch.as_tensor(x, dtype=dtype)).numpy()


def fit(hidden: int, weight_decay: float, epochs: int, seed: int = 0) -> tuple[SpikingTCN, float, int]:
    """Fit on "fit", keep the epoch with the lowest validation RMSE: (model, RMSE, epoch)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = windows("fit")
    xv, yv = windows("validation")
    model = SpikingTCN(hidden).float()
    with torch.no_grad():
        for out in model.outs:
            out.weight.mul_(0.1)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    best = (rmse(forecast(model, xv), yv), 0, copy.deepcopy(model.state_dict()))
    start = time.time()
    for epoch in range(epochs):
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
        val = rmse(forecast(model, xv), yv)
        if val < best[0]:
            best = (val, epoch + 1, copy.deepcopy(model.state_dict()))
        if (epoch + 1) % 10 == 0:
            print(f"  hidden {hidden} wd {weight_decay:g} epoch {epoch + 1}/{epochs} fit rmse "
                  f"{np.sqrt(total / len(y)):.4f} validation {val:.4f} ({time.time() - start:.0f} s)", flush=True)
    model.load_state_dict(best[2])
    return model, best[0], best[1]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--hidden", type=int, default=HIDDEN)
    p.add_argument("--weight-decay", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--grid", action="store_true",
                   help=f"choose hidden and weight decay from {GRID} by mean validation RMSE over the seeds")
    p.add_argument("--out", type=Path, default=WEIGHTS)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    start = time.time()
    configs = ([(h, w) for h in GRID["hidden"] for w in GRID["weight_decay"]] if args.grid
               else [(args.hidden, args.weight_decay)])
    seeds = GRID["seed"] if args.grid else (args.seed,)
    xv, yv = windows("validation")
    results = []
    for hidden, wd in configs:
        runs = []
        for seed in seeds:
            model, val, epoch = fit(hidden, wd, args.epochs, seed)
            print(f"hidden {hidden}, weight decay {wd:g}, seed {seed}: validation RMSE {val:.4f} (epoch {epoch}; "
                  f"persistence {rmse(persistence(xv), yv):.4f})", flush=True)
            runs.append((val, seed, model))
        results.append((float(np.mean([r[0] for r in runs])), hidden, wd, min(runs, key=lambda r: r[0])))
    mean, hidden, wd, (val, seed, model) = min(results, key=lambda r: r[0])
    if hidden != HIDDEN:
        print(f"note: hidden {hidden} chosen; set HIDDEN = {hidden} in snncompile/zoo/tcn.py to load it")
    path = args.out / "tcn.npz"
    save_weights(model, path)
    reloaded = load_weights(SpikingTCN(hidden).double(), path)
    x, y = windows("train")
    xt, yt = windows("test")
    print(f"chosen: hidden {hidden}, weight decay {wd:g} (mean validation RMSE {mean:.4f}), its seed {seed} "
          f"(validation RMSE {val:.4f}); {time.time() - start:.0f} s")
    print(f"spiking TCN: held-out RMSE {rmse(forecast(reloaded, xt), yt):.4f} (training part "
          f"{rmse(forecast(reloaded, x), y):.4f}); persistence {rmse(persistence(xt), yt):.4f}, zero "
          f"{rmse(np.zeros_like(yt), yt):.4f}; saved {path} ({path.stat().st_size} bytes)", flush=True)


if __name__ == "__main__":
    main()

"""Train the zoo's spiking-transformer toys briefly on scikit-learn's digits (CPU).

    .venv/bin/python examples/train_zoo.py [--only spikformer|tim_as_coded|tim_as_intended|spikmamba]
                                           [--epochs N] [--out snncompile/zoo/weights]

Each toy is trained with backpropagation through time through ``stepping.run`` (the
same reset + per-step loop the compiler sees), surrogate gradients of the frameworks'
own neurons, Adam, cross-entropy on the outputs summed over time; fixed seeds,
float32. Held-out accuracy is measured in float64 in eval mode, the way the tests load
the saved weights. Weights go to ``<out>/<name>.npz`` (plain arrays).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snncompile.zoo import data
from snncompile.zoo.spikformer import Spikformer
from snncompile.zoo.spikmamba import SpikMamba
from snncompile.zoo.stepping import WEIGHTS, accuracy, load_weights, run, save_weights
from snncompile.zoo.tim import SpikformerTIM

# name -> (model factory, data function (split) -> (input, labels), epochs, learning rate)
TOYS: dict[str, tuple[Callable[[], nn.Module], Callable[[str], tuple[np.ndarray, np.ndarray]], int, float]] = {
    "spikformer": (Spikformer, lambda s: data.static_sequence(s, 4), 30, 3e-3),
    "tim_as_coded": (lambda: SpikformerTIM("as_coded"), lambda s: data.event_sequence(s, 6), 30, 3e-3),
    "tim_as_intended": (lambda: SpikformerTIM("as_intended"), lambda s: data.event_sequence(s, 6), 30, 3e-3),
    "spikmamba": (SpikMamba, lambda s: data.event_sequence(s, 4, depth_axis=True), 30, 3e-3),
}
SEED = 0
BATCH = 64


def train(name: str, epochs: int | None, out: Path) -> float:
    factory, load, default_epochs, lr = TOYS[name]
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = factory().float()
    x, y = load("train")
    xt, yt = load("test")
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    n_epochs = epochs or default_epochs
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, n_epochs)
    start = time.time()
    for epoch in range(n_epochs):
        model.train()
        order = rng.permutation(len(y))
        total = 0.0
        for i in range(0, len(y), BATCH):
            idx = order[i:i + BATCH]
            xb = torch.as_tensor(x[idx], dtype=torch.float32)
            logits = run(model, xb).sum(dim=1)
            loss = nn.functional.cross_entropy(logits, torch.as_tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        print(f"{name}: epoch {epoch + 1}/{n_epochs} loss {total / len(y):.4f} "
              f"({time.time() - start:.0f} s)", flush=True)
    path = out / f"{name}.npz"
    save_weights(model, path)
    reloaded = load_weights(factory().double(), path)
    acc = accuracy(reloaded, xt, yt)
    print(f"{name}: held-out accuracy {acc:.4f} ({int(round(acc * len(yt)))}/{len(yt)}), "
          f"saved {path} ({path.stat().st_size} bytes)", flush=True)
    return acc


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=sorted(TOYS), action="append")
    p.add_argument("--epochs", type=int)
    p.add_argument("--out", type=Path, default=WEIGHTS)
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    for name in args.only or list(TOYS):
        train(name, args.epochs, args.out)


if __name__ == "__main__":
    main()

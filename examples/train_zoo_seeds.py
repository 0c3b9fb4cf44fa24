"""Train the zoo's toys E (STSC-SNN), F (BackEISNN) and H (S-ResNet) briefly on real data (CPU).

    .venv/bin/python examples/train_zoo_seeds.py [--only NAME] [--epochs N] [--out snncompile/zoo/weights]

As ``examples/train_zoo.py``: backpropagation through time through ``stepping.run``
(the reset + step loop the compiler sees; toy H runs SpikingJelly's multi-step mode, so
its tdBN normalises over time and batch), the frameworks' own surrogate gradients, Adam
with a cosine schedule, cross-entropy on the outputs summed over time, seed 0, float32.
Held-out accuracy is measured in float64 (toy F: float32) in eval mode on the saved weights. Data:
scikit-learn's digits (toys F and H, ``snncompile.zoo.data``) and the Braille reading
recordings shipped with the package (toy E, ``snncompile.zoo.braille``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snncompile.zoo import braille, data
from snncompile.zoo.backei import BackEISNN
from snncompile.zoo.sresnet import SResNet
from snncompile.zoo.stepping import WEIGHTS, accuracy, load_weights, run, save_weights
from snncompile.zoo.stsc import STSCSNN

Toy = tuple[Callable[[], nn.Module], Callable[[str], tuple[np.ndarray, np.ndarray]], int, float, torch.dtype]
# name -> (model factory, data (split) -> (input, labels), epochs, learning rate, evaluation dtype)
# (BrainCog's surrogates return float32 whatever their input: toy F is evaluated in float32)
TOYS: dict[str, Toy] = {
    "stsc": (STSCSNN, braille.stsc_sequence, 60, 1e-2, torch.float64),
    "backei": (lambda: BackEISNN(if_back=True, if_ei=True), data.rate_sequence, 30, 1e-2, torch.float32),
    "backei_back": (lambda: BackEISNN(if_back=True, if_ei=False), data.rate_sequence, 30, 1e-2, torch.float32),
    "backei_plain": (lambda: BackEISNN(if_back=False, if_ei=False), data.rate_sequence, 30, 1e-2, torch.float32),
    "sresnet_lif": (lambda: SResNet("lif"), data.static_sequence3, 30, 3e-3, torch.float64),
    "sresnet_liaf": (lambda: SResNet("liaf"), data.static_sequence3, 30, 3e-3, torch.float64),
}
SEED = 0
BATCH = 64


def train(name: str, epochs: int | None, out: Path) -> float:
    factory, load, default_epochs, lr, dtype = TOYS[name]
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = factory().float()
    x, y = load("train")
    xt, yt = load("test")
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    n_epochs = epochs or default_epochs
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, n_epochs)
    start = time.time()
    for epoch in range(n_epochs):
        model.train()
        order = rng.permutation(len(y))
        total = 0.0
        for i in range(0, len(y), BATCH):
            idx = order[i:i + BATCH]
            logits = run(model, torch.as_tensor(x[idx], dtype=torch.float32)).sum(dim=1)
            loss = nn.functional.cross_entropy(logits, torch.as_tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        print(f"{name}: epoch {epoch + 1}/{n_epochs} loss {total / len(y):.4f} ({time.time() - start:.0f} s)",
              flush=True)
    path = out / f"{name}.npz"
    save_weights(model, path)
    acc = accuracy(load_weights(factory().to(dtype), path), xt, yt)
    print(f"{name}: held-out accuracy {acc:.4f} ({int(round(acc * len(yt)))}/{len(yt)}), "
          f"saved {path} ({path.stat().st_size} bytes)", flush=True)
    return acc


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--only", choices=sorted(TOYS), action="append")
    p.add_argument("--epochs", type=int)
    p.add_argument("--out", type=Path, default=WEIGHTS)
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: fastest on a shared machine)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    for name in args.only or list(TOYS):
        train(name, args.epochs, args.out)


if __name__ == "__main__":
    main()

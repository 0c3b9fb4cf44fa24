"""Train the two ReLU networks that ``snncompile convert`` turns into SNNs (CPU, seconds).

    .venv/bin/python examples/train_digits_ann.py [--only mlp|cnn] [--epochs N] [--out DIR]

:class:`~snncompile.zoo.digits_ann.DigitsMLP` and ``DigitsCNN`` on scikit-learn's digits
(8x8, the zoo's stratified split: 1347 training, 450 held-out samples): Adam, cross-entropy,
mini-batches of 64, fixed seeds, float32. Held-out accuracy is measured in float64 in eval
mode, the way the zoo loads the saved weights. Weights go to ``<out>/digits_<name>.npz``
(plain arrays, never pickles).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snncompile.convert import ann_accuracy
from snncompile.zoo.digits_ann import ANNS, digits8
from snncompile.zoo.stepping import WEIGHTS, load_weights, save_weights

SEED = 0
BATCH = 64
EPOCHS = {"mlp": 60, "cnn": 60}
LR = 3e-3


def train(name: str, epochs: int | None, out: Path) -> float:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = ANNS[name]().float()
    x, y = digits8("train")
    xt, yt = digits8("test")
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    n_epochs = epochs or EPOCHS[name]
    start = time.time()
    for epoch in range(n_epochs):
        model.train()
        order = rng.permutation(len(y))
        total = 0.0
        for i in range(0, len(y), BATCH):
            idx = order[i:i + BATCH]
            loss = nn.functional.cross_entropy(model(torch.as_tensor(x[idx], dtype=torch.float32)),
                                               torch.as_tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        if (epoch + 1) % 10 == 0:
            print(f"{name}: epoch {epoch + 1}/{n_epochs} loss {total / len(y):.4f} ({time.time() - start:.1f} s)",
                  flush=True)
    path = out / f"digits_{name}.npz"
    save_weights(model, path)
    acc = ann_accuracy(load_weights(ANNS[name]().double(), path), xt, yt)
    print(f"{name}: held-out accuracy {acc:.4f} ({int(round(acc * len(yt)))}/{len(yt)}), saved {path} "
          f"({path.stat().st_size} bytes, {time.time() - start:.1f} s)", flush=True)
    return acc


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=sorted(ANNS), action="append")
    p.add_argument("--epochs", type=int)
    p.add_argument("--out", type=Path, default=WEIGHTS)
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    for name in args.only or list(ANNS):
        train(name, args.epochs, args.out)


if __name__ == "__main__":
    main()

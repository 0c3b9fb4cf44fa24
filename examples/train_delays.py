"""Train toy D (learned synaptic delays, DCLS) on scikit-learn's digits read by two slits.

    .venv/bin/python examples/train_delays.py [--epochs N] [--finetune M] [--out snncompile/zoo/weights]

SNN-delays' recipe (Thvnvtos/SNN-delays ``snn_delays.py`` / ``model.py``), small:
DCLS Gaussian kernels (``version='gauss'``) with positions initialised uniformly in
``[-K//2, K//2]`` and a width ``SIG`` starting at ``K//2`` that shrinks exponentially to
0.23 over the first 3/4 of the epochs; weights Adam (lr 3e-3; SNN-delays: 1e-3 on far
more data), positions Adam (lr 0.1, SNN-delays' 100 x 1e-3), cosine schedules; the loss
is cross-entropy on the readout membrane averaged over time (the sequence forward,
:meth:`DelayNet.sequence`, on :func:`padded_sequence`'s 40 + 9 steps). Then SNN-delays'
fine-tuning: positions rounded, ``version='max'`` with ``SIG = 0`` (one tap per synapse),
weights trained ``M`` more epochs with positions frozen. Fixed seeds, float32, one CPU
thread. Held-out accuracy is measured in float64 in eval mode on the stored weights (the
way the tests load them); the file goes to ``<out>/delays.npz`` (plain arrays).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from snncompile.zoo.delays import DelayNet, K, load_delays, padded_sequence
from snncompile.zoo.stepping import WEIGHTS, save_weights

SEED, BATCH, LR, POS_LR = 0, 64, 3e-3, 0.1
SIG_FINAL = 0.23


def accuracy(model: DelayNet, x: np.ndarray, y: np.ndarray) -> float:
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        out = model.sequence(torch.as_tensor(x, dtype=dtype))
    return float((out.sum(1).argmax(-1).numpy() == y).mean())


def epochs_of(model: DelayNet, x, y, epochs: int, positions: bool, rng, sig_epochs: int = 0) -> None:
    weights = [p for n, p in model.named_parameters() if not n.endswith((".P", ".SIG"))]
    optims = [torch.optim.Adam(weights, lr=LR)]
    if positions:
        optims.append(torch.optim.Adam([c.P for c in model.dcls()], lr=POS_LR))
    scheds = [torch.optim.lr_scheduler.CosineAnnealingLR(o, epochs) for o in optims]
    alpha = (SIG_FINAL / (K // 2)) ** (1 / max(sig_epochs, 1))
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(y))
        total = 0.0
        for i in range(0, len(y), BATCH):
            idx = order[i:i + BATCH]
            out = model.sequence(torch.as_tensor(x[idx], dtype=torch.float32))
            loss = nn.functional.cross_entropy(out.mean(1), torch.as_tensor(y[idx]))
            for o in optims:
                o.zero_grad()
            loss.backward()
            for o in optims:
                o.step()
            for conv in model.dcls():
                conv.clamp_parameters()
            total += float(loss.detach()) * len(idx)
        for s in scheds:
            s.step()
        if positions and epoch < sig_epochs:
            with torch.no_grad():
                for conv in model.dcls():
                    conv.SIG.mul_(alpha)
        sig = float(model.dcls()[0].SIG.flatten()[0])
        print(f"epoch {epoch + 1}/{epochs} loss {total / len(y):.4f} sig {sig:.3f} ({time.time() - start:.0f} s)",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--finetune", type=int, default=10)
    p.add_argument("--out", type=Path, default=WEIGHTS)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    x, y = padded_sequence("train")
    xt, yt = padded_sequence("test")
    model = DelayNet("gauss").float()
    with torch.no_grad():
        for conv in model.dcls():
            nn.init.kaiming_uniform_(conv.weight, nonlinearity="relu")
            nn.init.uniform_(conv.P, -(K // 2), K // 2)
            conv.SIG.fill_(K // 2)
            conv.SIG.requires_grad_(False)
    epochs_of(model, x, y, args.epochs, positions=True, rng=rng, sig_epochs=3 * args.epochs // 4)
    print(f"gaussian kernels: held-out accuracy {accuracy(model.eval(), xt, yt):.4f}", flush=True)
    model.round_positions()
    for conv in model.dcls():
        conv.P.requires_grad_(False)
    print(f"positions rounded: held-out accuracy {accuracy(model.eval(), xt, yt):.4f}", flush=True)
    epochs_of(model, x, y, args.finetune, positions=False, rng=rng)
    path = args.out / "delays.npz"
    save_weights(model, path)
    reloaded = load_delays() if args.out == WEIGHTS else None
    acc = accuracy(reloaded if reloaded is not None else model.double().eval(), xt, yt)
    delays = np.concatenate([d.ravel() for d in (reloaded or model).delays().values()])
    print(f"toy D: held-out accuracy {acc:.4f} ({int(round(acc * len(yt)))}/{len(yt)}), delays used "
          f"{np.bincount(delays, minlength=K).tolist()} (0..{K - 1}), saved {path} ({path.stat().st_size} bytes)",
          flush=True)


if __name__ == "__main__":
    main()

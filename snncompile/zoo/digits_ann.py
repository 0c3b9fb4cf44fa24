"""Two small trained ReLU networks for ANN → SNN conversion, on scikit-learn's digits.

Data: ``load_digits`` (1797 images 8x8, values 0..16, ten classes, shipped with
scikit-learn), the zoo's split (:mod:`snncompile.zoo.data`: stratified, 25 % held out,
``random_state=0``: 1347 training and 450 held-out samples), pixels / 16 in [0, 1],
shape (n, 1, 8, 8).

- :class:`DigitsMLP`: Flatten → Linear 64→64 → ReLU → Linear 64→32 → ReLU → Linear 32→10;
- :class:`DigitsCNN`: Conv 1→8 (3x3, pad 1) → ReLU → AvgPool 2 → Conv 8→16 (3x3, pad 1)
  → ReLU → AvgPool 2 → Flatten → Linear 64→10.

Average pooling (not max) keeps the network linear between ReLUs, which rate coding
needs. Weights: ``weights/digits_{mlp,cnn}.npz`` (plain arrays), trained by
``examples/train_digits_ann.py``; :data:`ZOO_STEPS` is the number of steps the zoo's
converted networks run (docs/convert.md has accuracy against T).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from snncompile.zoo.stepping import WEIGHTS, load_weights

#: steps the zoo's converted networks run per sample
ZOO_STEPS = 64


class DigitsMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1, self.relu1 = nn.Linear(64, 64), nn.ReLU()
        self.fc2, self.relu2 = nn.Linear(64, 32), nn.ReLU()
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(self.relu2(self.fc2(self.relu1(self.fc1(self.flatten(x))))))


class DigitsCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.relu1, self.pool1 = nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2)
        self.conv2, self.relu2, self.pool2 = nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))


ANNS: dict[str, Callable[[], nn.Module]] = {"mlp": DigitsMLP, "cnn": DigitsCNN}


def digits8(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 1, 8, 8) in [0, 1] (float64) and labels of ``split`` ('train' or 'test')."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from snncompile.zoo.data import HELD_OUT, SEED

    if split not in ("train", "test"):
        raise ValueError(f"split is {split!r}; expected 'train' or 'test'")
    d = load_digits()
    labels = d.target.astype(np.int64)
    train, test = train_test_split(np.arange(len(labels)), test_size=HELD_OUT, stratify=labels, random_state=SEED)
    pick = np.sort(train if split == "train" else test)
    return d.images[pick, None].astype(np.float64) / 16.0, labels[pick]


def load_ann(name: str) -> nn.Module:
    """The trained ANN ``name`` ('mlp' or 'cnn'): float64, eval mode."""
    if name not in ANNS:
        raise ValueError(f"unknown ANN {name!r}; known: {sorted(ANNS)}")
    return load_weights(ANNS[name]().double(), WEIGHTS / f"digits_{name}.npz")


def converted(name: str) -> nn.Module:
    """The zoo's converted network ``name``: IF neurons, subtract reset, 99.9th-percentile
    scales from the whole training split (one step per call)."""
    from snncompile.convert import ConvertOptions, convert

    return convert(load_ann(name), digits8("train")[0], ConvertOptions()).model


def sequence(split: str, steps: int = ZOO_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """The converted networks' input (n, steps, 1, 8, 8): the image every step."""
    x, y = digits8(split)
    return np.repeat(x[:, None], steps, axis=1), y

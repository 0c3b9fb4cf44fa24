"""Braille reading data for the zoo's temporal toy E (STSC-SNN), shipped with the package.

The event-based Braille dataset (Müller-Cleve et al., Frontiers in Neuroscience 2022; the
folds as published in neuromorphic-polito/L2MU-Braille, Apache-2.0; see
``datasets/README.md``): 12 taxels of a fingertip sensor sliding over 7 Braille letters
(Space, A, E, I, O, U, Y), 256 steps of 0/1 events per recording.

``datasets/braille7_bins16.npz`` holds the recordings of folds 0 and 2 of
``../shared/data/braille`` without their 65 shared recordings (495 distinct ones),
binned in time: ``counts`` uint8 (495, 16, 12) = events per bin of 16 steps, ``labels``
int64, ``origin`` (fold, index) of each recording; :func:`build` makes it.

- Split: ``train_test_split(test_size=0.25, stratify=labels, random_state=0)`` (371
  train, 124 held out).
- :func:`stsc_sequence`: the event rate per bin (``counts / 16``, in [0, 1]) as real
  values, (n, 16 + LAG, 12): the 16 bins then ``LAG`` zero steps, because toy E's
  encoder looks ``LAG`` bins ahead and so answers ``LAG`` steps late (see
  :mod:`snncompile.zoo.stsc`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snncompile.fileio import atomic_path

DATASETS = Path(__file__).parent / "datasets"
FILE = DATASETS / "braille7_bins16.npz"
BINS = 16
FOLDS = (0, 2)
SEED = 0
HELD_OUT = 0.25


def build(folder: str | Path, path: str | Path = FILE) -> None:
    """Bin folds 0 and 2 of ``folder`` (``braille7_fold{k}.npz``), drop repeated
    recordings (fold 0's copy is kept) and write ``path`` atomically."""
    spikes, labels, origin, seen = [], [], [], set()
    for fold in FOLDS:
        with np.load(Path(folder) / f"braille7_fold{fold}.npz", allow_pickle=False) as d:
            for i, (s, y) in enumerate(zip(d["spikes"], d["labels"])):
                key = s.tobytes()
                if key in seen:
                    continue
                seen.add(key)
                spikes.append(s)
                labels.append(y)
                origin.append((fold, i))
    x = np.stack(spikes).astype(np.int64)
    n, steps, taxels = x.shape
    counts = x.reshape(n, BINS, steps // BINS, taxels).sum(axis=2).astype(np.uint8)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, counts=counts, labels=np.asarray(labels, dtype=np.int64),
                            origin=np.asarray(origin, dtype=np.int64))


def recordings(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Binned counts (n, 16, 12) and labels (n,) of ``split`` ('train' or 'test')."""
    from sklearn.model_selection import train_test_split

    if split not in ("train", "test"):
        raise ValueError(f"split is {split!r}; expected 'train' or 'test'")
    with np.load(FILE, allow_pickle=False) as d:
        counts, labels = d["counts"], d["labels"]
    idx = np.arange(len(labels))
    train, test = train_test_split(idx, test_size=HELD_OUT, stratify=labels, random_state=SEED)
    pick = np.sort(train if split == "train" else test)
    return counts[pick], labels[pick]


def stsc_sequence(split: str, lag: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Toy E's input (n, 16 + lag, 12): event rates per bin, then ``lag`` zero steps."""
    counts, labels = recordings(split)
    rates = counts.astype(np.float64) / (256 // BINS)
    return np.pad(rates, ((0, 0), (0, lag), (0, 0))), labels

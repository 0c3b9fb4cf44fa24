"""Small real data for the zoo's transformer toys: scikit-learn's ``load_digits``.

``load_digits`` is the UCI optical-recognition digits set (1797 images, 8x8, values
0..16, ten classes) and ships inside scikit-learn, so nothing is downloaded. Every
function here is deterministic.

- Split: ``train_test_split(test_size=0.25, stratify=labels, random_state=0)``: 1347
  training and 450 held-out samples, class proportions kept.
- Image: ``x = pixels / 16`` in [0, 1], upsampled to 16x16 by repeating every pixel
  2x2 (nearest neighbour, ``np.kron`` with ``ones((2, 2))``).
- Static input (toy A, T = 4): per step the same 2 channels, ``[x, g]`` with
  ``g = |grad x| / max |grad x|`` the gradient magnitude (``np.gradient``, central
  differences), scaled per image to [0, 1] (0 for a blank image): intensity plus edges,
  the two cues a spiking first layer can threshold. Shape (batch, T, 2, 16, 16).
- Event frames (toys B and C): a saccade-like motion as in N-MNIST (Orchard et al.
  2015, three saccades of a static digit in front of an event camera). The image sits at
  integer offsets ``p_0, p_1, ...`` of ``SACCADE`` (a small closed triangle, one pixel
  per step, zeros shifted in at the border); frame ``t`` holds the brightness change
  ``d_t = shift(x, p_{t+1}) - shift(x, p_t)`` as two binary polarity channels,
  ``ON = d_t > EVENT_THRESHOLD`` and ``OFF = d_t < -EVENT_THRESHOLD`` (a DVS pixel fires
  when its change passes a contrast threshold). Shape (batch, T, 2, 16, 16) for toy B,
  (batch, T, 2, 1, 16, 16) for toy C (its Conv3d sees one frame, depth 1, per step).

Arrays are float64; labels int64. :func:`write_npz` writes ``input`` and ``labels``,
the CLI's input format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snncompile.fileio import atomic_path

SEED = 0
HELD_OUT = 0.25
SIZE = 16
EVENT_THRESHOLD = 0.25
# offsets (row, col) of the moving image: a closed triangle, one pixel per step
SACCADE = ((0, 0), (1, 1), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0), (1, 1), (2, 2))


def digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 16, 16) in [0, 1] and labels (n,) of ``split`` ('train' or 'test')."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if split not in ("train", "test"):
        raise ValueError(f"split is {split!r}; expected 'train' or 'test'")
    d = load_digits()
    images = d.images.astype(np.float64) / 16.0
    labels = d.target.astype(np.int64)
    idx = np.arange(len(labels))
    train, test = train_test_split(idx, test_size=HELD_OUT, stratify=labels, random_state=SEED)
    pick = np.sort(train if split == "train" else test)
    up = np.kron(images[pick], np.ones((1, SIZE // 8, SIZE // 8)))
    return up, labels[pick]


def static_channels(images: np.ndarray) -> np.ndarray:
    """(n, 2, H, W): intensity and its gradient magnitude scaled per image to [0, 1]."""
    gy, gx = np.gradient(images, axis=(1, 2))
    g = np.hypot(gx, gy)
    peak = g.max(axis=(1, 2), keepdims=True)
    g = np.divide(g, peak, out=np.zeros_like(g), where=peak > 0)
    return np.stack([images, g], axis=1)


def static_sequence(split: str, steps: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Toy A's input (n, steps, 2, 16, 16): the static channels repeated every step."""
    images, labels = digits(split)
    x = static_channels(images)
    return np.repeat(x[:, None], steps, axis=1), labels


def shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move (n, H, W) images by (dy, dx) >= 0 pixels down/right; zeros enter at the border."""
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, dy:, dx:] = images[:, : h - dy, : w - dx]
    return out


def event_frames(images: np.ndarray, steps: int) -> np.ndarray:
    """(n, steps, 2, H, W) ON/OFF frames of the saccade (see the module docstring)."""
    if steps + 1 > len(SACCADE):
        raise ValueError(f"steps is {steps}; the saccade path has at most {len(SACCADE) - 1}")
    frames = []
    for t in range(steps):
        d = shift(images, *SACCADE[t + 1]) - shift(images, *SACCADE[t])
        frames.append(np.stack([d > EVENT_THRESHOLD, d < -EVENT_THRESHOLD], axis=1))
    return np.stack(frames, axis=1).astype(np.float64)


def event_sequence(split: str, steps: int, depth_axis: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Event input (n, steps, 2, 16, 16), or (n, steps, 2, 1, 16, 16) with ``depth_axis``."""
    images, labels = digits(split)
    x = event_frames(images, steps)
    return (x[:, :, :, None] if depth_axis else x), labels


def write_npz(path: str | Path, inputs: np.ndarray, labels: np.ndarray) -> None:
    """Write ``input`` (batch, T, ...) float64 and ``labels`` int64 atomically."""
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, input=np.asarray(inputs, dtype=np.float64),
                 labels=np.asarray(labels, dtype=np.int64))


# -- toys F and H (issue 8) --------------------------------------------------------------------
#: seed of the rate coding of toy F's input (one fixed draw per split)
RATE_SEED = 8


def padded_digits(split: str, size: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits of ``split`` in [0, 1], zero-padded symmetrically to ``size`` x ``size``
    (no resampling: toy F's 12x12 input keeps every pixel as ``load_digits`` has it)."""
    images, labels = digits(split)
    small = images[:, ::2, ::2]  # undo the 2x2 repetition: the original 8x8 pixels / 16
    pad = (size - small.shape[1]) // 2
    return np.pad(small, ((0, 0), (pad, size - small.shape[1] - pad), (pad, size - small.shape[2] - pad))), labels


def rate_sequence(split: str, steps: int = 8, size: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Toy F's input (n, steps, 1, size, size): rate-coded spikes, as BackEISNN's
    ``encode_type='rate'``: each pixel spikes with probability equal to its intensity, drawn
    once with ``default_rng(RATE_SEED + (split == 'test'))`` so the data are fixed."""
    images, labels = padded_digits(split, size)
    rng = np.random.default_rng(RATE_SEED + (split == "test"))
    draws = rng.random((len(labels), steps, 1, size, size))
    return (draws < images[:, None, None]).astype(np.float64), labels


def gradient_channels(images: np.ndarray) -> np.ndarray:
    """(n, 3, H, W): intensity, |d/dx| and |d/dy| (``np.gradient``), the gradients scaled
    per image by the largest gradient magnitude (0 for a blank image)."""
    gy, gx = np.gradient(images, axis=(1, 2))
    peak = np.hypot(gx, gy).max(axis=(1, 2), keepdims=True)
    scaled = [np.divide(np.abs(g), peak, out=np.zeros_like(g), where=peak > 0) for g in (gx, gy)]
    return np.stack([images, *scaled], axis=1)


def static_sequence3(split: str, steps: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Toy H's input (n, steps, 3, 16, 16): :func:`gradient_channels` repeated every step
    (direct input, as Pipe-S's S-ResNet takes its image)."""
    images, labels = digits(split)
    return np.repeat(gradient_channels(images)[:, None], steps, axis=1), labels

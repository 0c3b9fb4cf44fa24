"""Running the zoo's one-step modules over time, and their weights as plain ``.npz``.

Every transformer toy is an ``nn.Module`` whose ``forward(x)`` computes ONE time step
of a (batch, *per-step shape) input; its neurons keep their state between calls.
:func:`run` is the whole protocol: reset every stateful module, call ``forward`` once
per step, stack the per-step outputs into (batch, T, classes). The class of a sample is
the argmax of the outputs summed over time (:func:`predict`).

State lives in three kinds of module, each reset by its own framework's method (looked
up by name, :data:`RESET_METHODS`): SpikingJelly's ``MemoryModule.reset()`` (what
``spikingjelly.activation_based.functional.reset_net`` calls), BrainCog's
``BaseNode.n_reset()`` (what ``BaseModule.reset()`` calls), the zoo's own stateful
modules (``TIM.reset()``) and snncompile's neurons (``snncompile.nn``
``NeuronModule.reset_state()``, ReL-PSP's). A multi-step model (``multistep = True``) takes the whole
sequence in one call, time first.

Weights are stored as ``.npz`` of the state dict's arrays (never pickles) and loaded
with ``allow_pickle=False``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from snncompile.errors import InputError
from snncompile.fileio import atomic_path

RESET_METHODS = ("reset", "n_reset", "reset_state")
WEIGHTS = Path(__file__).parent / "weights"


def reset_state(model: nn.Module) -> None:
    """Reset every stateful submodule (SpikingJelly, BrainCog, the zoo's own)."""
    for m in model.modules():
        for name in RESET_METHODS:
            method = getattr(m, name, None)
            if callable(method):
                method()
                break


def run(model: nn.Module, x_seq: torch.Tensor) -> torch.Tensor:
    """Reset ``model``, then step it over ``x_seq`` (batch, T, ...): (batch, T, classes).

    A model whose class sets ``multistep = True`` (SpikingJelly's multi-step mode, toy H)
    takes the whole sequence time first, (T, batch, ...), in one call instead."""
    reset_state(model)
    if getattr(model, "multistep", False):
        return model(x_seq.transpose(0, 1)).transpose(0, 1)
    return torch.stack([model(x_seq[:, t]) for t in range(x_seq.shape[1])], dim=1)


def predict(outputs: torch.Tensor) -> torch.Tensor:
    """Class per sample: argmax of the (batch, T, classes) outputs summed over time."""
    return outputs.sum(dim=1).argmax(dim=-1)


def accuracy(model: nn.Module, x: np.ndarray, labels: np.ndarray, batch: int = 150) -> float:
    """Fraction of samples of ``x`` (n, T, ...) that ``model`` classifies as ``labels``.

    Runs without gradients in the model's dtype and mode (load_* gives float64, eval).
    """
    dtype = next(model.parameters()).dtype
    hits = 0
    with torch.no_grad():
        for i in range(0, len(labels), batch):
            out = run(model, torch.as_tensor(x[i:i + batch], dtype=dtype))
            hits += int((predict(out).numpy() == labels[i:i + batch]).sum())
    return hits / len(labels)


def save_weights(model: nn.Module, path: str | Path) -> None:
    """Write the state dict as a compressed ``.npz`` of plain arrays (atomically)."""
    arrays = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load an ``.npz`` written by :func:`save_weights` into ``model`` (strict), in eval mode.

    Arrays are cast to each parameter's dtype, so a float64 model loads float32 files.
    """
    expected = model.state_dict()
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read weights ({e})") from None
    missing, extra = sorted(set(expected) - set(arrays)), sorted(set(arrays) - set(expected))
    if missing or extra:
        raise InputError(f"{path}: weights do not fit {type(model).__name__}: "
                         f"missing {missing[:5]}, unexpected {extra[:5]}")
    state = {}
    for k, ref in expected.items():
        if tuple(arrays[k].shape) != tuple(ref.shape):
            raise InputError(f"{path}: {k} has shape {arrays[k].shape}; expected {tuple(ref.shape)}")
        state[k] = torch.as_tensor(arrays[k]).to(ref.dtype)
    model.load_state_dict(state)
    return model.eval()

"""Readouts: how a zoo network's outputs over time become a decision and a score.

A network's :class:`~snncompile.zoo.models.Row` names its readout; the seed table
(:mod:`snncompile.zoo.table`) scores the PyTorch module, the float graph and the compiled
network with it, and compares float and compiled decisions ("same class") with it.
Outputs are (n, T, ...) (the trailing axes flattened into outputs):

- ``"spike count"``: class ``argmax_j sum_t y[n, t, j]`` (ties: the lowest index;
  :func:`snncompile.simulate.classify`); score: accuracy.
- ``"first spike"``: class ``argmin_j t_j`` with ``t_j`` the first step at which output
  ``j`` is non-zero (:func:`first_spike_class`; ties: the lowest index; a sample with no
  output spike decides nothing, which is wrong against every label and the same as
  another silent sample); score: accuracy. Single-spike timing (ReL-PSP) and
  first-to-spike decoding decide this way.
- ``"regression rmse"``: no class; score ``sqrt(mean((y - target)^2))`` against targets
  per step (n, T, outputs) (None when their sizes differ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from snncompile.errors import InputError

#: the class :func:`first_spike_class` gives a sample whose outputs never spike
SILENT = -1


def first_spike_class(spikes: np.ndarray, silent: int = SILENT) -> np.ndarray:
    """Class of each sample of (batch, time, classes...) outputs: the output that is
    non-zero first; outputs first in the same step: the lowest index; ``silent`` for a
    sample with no output spike."""
    s = np.asarray(spikes).reshape(len(spikes), np.shape(spikes)[1], -1) != 0
    fired = s.any(axis=1)
    first = np.where(fired, np.argmax(s, axis=1), s.shape[1])
    return np.where(fired.any(axis=1), np.argmin(first, axis=1), silent)


def spike_count_class(outputs: np.ndarray) -> np.ndarray:
    """Class of each sample: the output with the largest sum over time (lowest index on ties)."""
    from snncompile.simulate import classify

    return classify(np.asarray(outputs))


def rmse(outputs: np.ndarray, targets: np.ndarray) -> float | None:
    """Root mean square error of ``outputs`` against ``targets`` (None when their sizes differ)."""
    if np.size(outputs) != np.size(targets):
        return None
    return float(np.sqrt(np.mean((np.reshape(outputs, np.shape(targets)) - targets) ** 2)))


@dataclass(frozen=True)
class Readout:
    """``metric``: what :meth:`score` measures (shown in the table); ``decide``: outputs
    -> class per sample, None for a regression (no class; scored by ``error``)."""

    name: str
    metric: str
    decide: Callable[[np.ndarray], np.ndarray] | None = None
    error: Callable[[np.ndarray, np.ndarray], float | None] | None = None

    def score(self, outputs: np.ndarray, targets: np.ndarray) -> float | None:
        """Accuracy of the decisions against labels (n,), or the error against targets."""
        if self.decide is None:
            assert self.error is not None
            return self.error(outputs, targets)
        return float(np.mean(self.decide(outputs) == np.asarray(targets).reshape(-1)))

    def same_decision(self, a: np.ndarray, b: np.ndarray) -> float | None:
        """Share of samples on which outputs ``a`` and ``b`` decide the same class (None: no class)."""
        if self.decide is None:
            return None
        return float(np.mean(self.decide(a) == self.decide(b)))


READOUTS: dict[str, Readout] = {r.name: r for r in (
    Readout("spike count", "accuracy", spike_count_class),
    Readout("first spike", "first-spike accuracy", first_spike_class),
    Readout("regression rmse", "rmse", error=rmse),
)}


def get_readout(name: str) -> Readout:
    if name not in READOUTS:
        raise InputError(f"readout {name!r}: unknown; known: {', '.join(repr(k) for k in READOUTS)}")
    return READOUTS[name]

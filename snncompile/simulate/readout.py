"""Readouts: how a network's outputs over time become a decision and a score.

The one registry of decision rules (:data:`READOUTS`), used wherever outputs are scored
against labels: ``evaluate``, ``compare`` (accuracy, same class), ``simulate`` (accuracy
when the input has labels), ``sweep``, ``report`` (the page's accuracy), the error budget
(:mod:`snncompile.budget.measure`: accuracy per run, a value output's same class),
convert's accuracy against the steps, :func:`snncompile.simulate.accuracy` and the zoo's
seed table (:mod:`snncompile.zoo.table`, whose :class:`~snncompile.zoo.models.Row` names
each network's readout). Every command takes ``--readout NAME`` (API: ``readout=``).
Outputs are (n, T, ...) (the trailing axes flattened into outputs):

- ``"count"`` (the default): class ``argmax_j sum_t y[n, t, j]`` (ties: the lowest
  index; :func:`snncompile.simulate.classify`); score: accuracy.
- ``"first-spike"``: class ``argmin_j t_j`` with ``t_j`` the first step at which output
  ``j`` is non-zero (:func:`first_spike_class`; ties: the lowest index; a sample with no
  output spike decides nothing (:data:`SILENT`), which is wrong against every label and
  the same as another silent sample); score: accuracy. Single-spike timing (ReL-PSP)
  and first-to-spike decoding decide this way.
- ``"rmse"``: a regression, no class; score ``sqrt(mean((y - target)^2))`` against
  targets per step (n, T, outputs) (None when their sizes differ).

The names are what the command line takes and what ``--json`` records; ``label`` is the
words the seed table's prose uses.
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
    from snncompile.simulate.result import classify

    return classify(np.asarray(outputs))


def rmse(outputs: np.ndarray, targets: np.ndarray) -> float | None:
    """Root mean square error of ``outputs`` against ``targets`` (None when their sizes differ)."""
    if np.size(outputs) != np.size(targets):
        return None
    return float(np.sqrt(np.mean((np.reshape(outputs, np.shape(targets)) - targets) ** 2)))


@dataclass(frozen=True)
class Readout:
    """``name``: the command line's and JSON's spelling; ``label``: the words prose uses;
    ``metric``: what :meth:`score` measures; ``meaning``: the rule in words (help texts,
    reports); ``decide``: outputs -> class per sample, None for a regression (no class;
    scored by ``error``)."""

    name: str
    label: str
    metric: str
    meaning: str
    decide: Callable[[np.ndarray], np.ndarray] | None = None
    error: Callable[[np.ndarray, np.ndarray], float | None] | None = None

    @property
    def classifies(self) -> bool:
        return self.decide is not None

    def classes(self, outputs: np.ndarray) -> np.ndarray:
        """The decided class of each sample (int64; :data:`SILENT` where nothing decides)."""
        if self.decide is None:
            raise no_class(self.name)
        return np.asarray(self.decide(np.asarray(outputs))).astype(np.int64)

    def score(self, outputs: np.ndarray, targets: np.ndarray, warmup: int = 0) -> float | None:
        """Accuracy of the decisions against labels (n,), or the error against targets per
        step (n, T, ...) from step ``warmup`` on (a forecaster's receptive field)."""
        if self.decide is None:
            assert self.error is not None
            if np.size(outputs) != np.size(targets):
                return None
            shaped = np.reshape(outputs, np.shape(targets))
            return self.error(shaped[:, warmup:], np.asarray(targets)[:, warmup:])
        return float(np.mean(self.classes(outputs) == np.asarray(targets).reshape(-1)))

    def same_decision(self, a: np.ndarray, b: np.ndarray) -> float | None:
        """Share of samples on which outputs ``a`` and ``b`` decide the same class (None: no class)."""
        if self.decide is None:
            return None
        return float(np.mean(self.classes(a) == self.classes(b)))


READOUTS: dict[str, Readout] = {r.name: r for r in (
    Readout("count", "spike count", "accuracy",
            "the output with the most spikes, or the largest sum, over time; ties to the lowest index",
            spike_count_class),
    Readout("first-spike", "first spike", "first-spike accuracy",
            "the output that spikes first, ties to the lowest index; a sample without output spikes is wrong",
            first_spike_class),
    Readout("rmse", "regression rmse", "rmse", "a regression: the root mean square error against targets",
            error=rmse),
)}

#: the readout used when neither the user nor the model names one
DEFAULT_READOUT = "count"


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def classifying_names() -> list[str]:
    """The readouts that decide a class (what scoring against labels can use)."""
    return [n for n, r in READOUTS.items() if r.classifies]


def get_readout(name: str, classifying: bool = False) -> Readout:
    """The readout ``name``; ``classifying``: it must decide a class (scoring against labels)."""
    if name not in READOUTS:
        raise InputError(f"readout={name!r}: unknown readout; choose one of {_quoted(list(READOUTS))}",
                         options=("readout",))
    readout = READOUTS[name]
    if classifying and not readout.classifies:
        raise no_class(name)
    return readout


def no_class(name: str) -> InputError:
    return InputError(f"readout={name!r} is a regression and decides no class; choose one of "
                      f"{_quoted(classifying_names())}", options=("readout",))

"""A stochastic first-to-spike classifier: memoryless output neurons made noisy by a
seeded random spike source (:class:`snncompile.ir.RandomSpikes`); the first output
neuron to spike is the class (first-to-spike decoding of probabilistic SNNs, as in
Bagheri, Simeone, Rajendran, "Training Probabilistic Spiking Neural Networks with
First-to-Spike Decoding", ICASSP 2018).

Per step ``t`` and class ``j``, with ``x`` the binarised 8x8 digit (a pixel spikes every
step when ``pixel / 16 > 0.5``) and ``N_j[t]`` the sum of ``K`` Bernoulli(``P``) spikes
of ``j``'s own noise sources::

    v_j[t] = W_j . x + b_j + NOISE_WEIGHT * N_j[t]          (LIF with decay 0)
    s_j[t] = v_j[t] > THRESHOLD

so in every step neuron ``j`` fires independently with probability
``q_j = P(Binomial(K, P) > (THRESHOLD - W_j . x - b_j) / NOISE_WEIGHT)``. With ties
broken towards the lower index (:func:`first_spike_class`), the decision's distribution
has a closed form (:func:`decision_probabilities`)::

    P(class j) = q_j prod_{i<j} (1 - q_i) * sum_{t<T} prod_i (1 - q_i)^t
    P(silent)  = prod_i (1 - q_i)^T

``W``, ``b``: a logistic regression on the binarised training digits (scikit-learn;
stored in ``weights/first_to_spike.npz``; held-out accuracy 0.931 as argmax), so ``W_j . x + b_j`` is a logit;
``NOISE_WEIGHT`` and ``THRESHOLD`` were chosen on the closed form (training digits
would do as well) for a high expected first-to-spike accuracy with few silent samples.
Each sample draws its own noise: the stream is indexed by the sample's index in the data
set (row ``k`` of a batch starting at sample ``s`` is sample ``s + k``), so repeating one
image over a batch gives independent trials of it, and a data set gives the same
decisions however it is batched.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output, RandomSpikes
from snncompile.simulate import readout

CLASSES = 10
K = 16
P = 0.5
NOISE_WEIGHT = 0.25
THRESHOLD = 4.75
STEPS = 16
SEED = 7


def data(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Binarised digits (n, 64) 0/1 and labels, split as :mod:`snncompile.zoo.data`."""
    from snncompile.zoo.relpsp import digits

    images, labels = digits(split)
    return (images > 0.5).astype(np.float64), labels


#: the stored fit (:func:`fit_logits`, saved by ``python -m snncompile.zoo.first_to_spike``):
#: the solver's last bits depend on the BLAS thread count, so the network is the stored
#: arrays, not a fit made at load time
WEIGHTS = Path(__file__).parent / "weights" / "first_to_spike.npz"


def fit_logits() -> tuple[np.ndarray, np.ndarray]:
    """(W (10, 64), b (10,)): logistic regression on the binarised training digits."""
    from sklearn.linear_model import LogisticRegression

    x, y = data("train")
    fit = LogisticRegression(C=0.1, max_iter=2000).fit(x, y)
    return fit.coef_.astype(np.float64), fit.intercept_.astype(np.float64)


def logits_model() -> tuple[np.ndarray, np.ndarray]:
    """The stored (W, b) of :func:`fit_logits`."""
    with np.load(WEIGHTS, allow_pickle=False) as stored:
        return stored["weight"], stored["bias"]


def first_to_spike_graph(weight: np.ndarray, bias: np.ndarray, seed: int = SEED) -> Graph:
    """The classifier above as an IR graph (input: (64,) spikes every step)."""
    g = Graph()
    g.add("input", Input(shape=(weight.shape[1],)))
    g.add("fc", Linear(weight=weight))
    g.add("noise", RandomSpikes(shape=(CLASSES * K,), probability=np.asarray(P), seed=seed))
    g.add("noise_sum", Linear(weight=NOISE_WEIGHT * np.kron(np.eye(CLASSES), np.ones((1, K)))))
    g.add("out", LIF(shape=(CLASSES,), decay=np.zeros(()), bias=bias, threshold=np.asarray(THRESHOLD)))
    g.add("output", Output(shape=(CLASSES,)))
    g.chain("input", "fc", "out", "output")
    g.chain("noise", "noise_sum", "out")
    return g.validate()


def repeat(x: np.ndarray, steps: int = STEPS) -> np.ndarray:
    """(n, 64) images -> (n, steps, 64) spike trains (the same pixels every step)."""
    return np.repeat(x[:, None, :], steps, axis=1)


def firing_probabilities(drive: np.ndarray) -> np.ndarray:
    """Per step firing probability ``q`` of each output neuron for drives ``W x + b``."""
    pmf = np.array([math.comb(K, n) * P**n * (1 - P) ** (K - n) for n in range(K + 1)])
    noise = NOISE_WEIGHT * np.arange(K + 1)
    return (pmf * (drive[..., None] + noise > THRESHOLD)).sum(-1)


def decision_probabilities(drive: np.ndarray, steps: int = STEPS) -> np.ndarray:
    """(..., CLASSES + 1): the probability of each class being decided (first to spike,
    ties to the lower index) and, last, of no spike within ``steps``."""
    q = firing_probabilities(drive)
    quiet = np.prod(1 - q, axis=-1, keepdims=True)
    before = np.cumprod(np.concatenate([np.ones_like(q[..., :1]), 1 - q[..., :-1]], -1), -1)
    rounds = np.where(quiet < 1, (1 - quiet**steps) / np.where(quiet < 1, 1 - quiet, 1), steps)
    return np.concatenate([q * before * rounds, quiet**steps], -1)


def first_spike_class(spikes: np.ndarray) -> np.ndarray:
    """(batch, time, classes) -> the class that spiked first (ties: the lower index;
    :func:`snncompile.simulate.readout.first_spike_class`); ``CLASSES`` for a silent sample
    (the last column of :func:`decision_probabilities`)."""
    return readout.first_spike_class(spikes, silent=CLASSES)


if __name__ == "__main__":  # refit and store the weights (atomically)
    from snncompile.fileio import atomic_path

    weight, bias = fit_logits()
    with atomic_path(WEIGHTS) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, weight=weight, bias=bias)
    print(f"wrote {WEIGHTS}")

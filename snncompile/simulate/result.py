"""What an executor returns: per-node time series, batch first."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SimResult:
    """Recorded activity of one run.

    - ``outputs``: Output node name -> array (batch, time, *shape)
    - ``recorded``: node name -> its output (spikes for spiking nodes) (batch, time, *shape)
    - ``membranes``: neuron name -> membrane ``v`` after each step (batch, time, *shape);
      post-reset for IMMEDIATE reset timing, pre-reset for DELAYED (see ResetTiming)
    - ``backend``: who computed it; ``latency``: steps the backend adds per synapse stage
      (0 for the reference semantics; hardware timing is explained by the backend)
    - integer backends also give ``currents`` (neuron -> synaptic current ``u`` after each
      step), ``counters`` (node -> {counter: (time,) int64 summed over the batch}: synapses
      count ``events`` and ``synops``, neurons ``updates`` and ``spikes``) and ``cycles``
      (the emulator's cycle model, when a core description was given)
    """

    outputs: dict[str, np.ndarray]
    recorded: dict[str, np.ndarray] = field(default_factory=dict)
    membranes: dict[str, np.ndarray] = field(default_factory=dict)
    dt: float = 0.0
    backend: str = "reference"
    latency: int = 0
    currents: dict[str, np.ndarray] = field(default_factory=dict)
    counters: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    cycles: dict | None = None

    @property
    def steps(self) -> int:
        first = next(iter(self.outputs.values()))
        return int(first.shape[1])

    @property
    def batch(self) -> int:
        first = next(iter(self.outputs.values()))
        return int(first.shape[0])

    def output(self) -> np.ndarray:
        """The single output array (raises when the graph has several outputs)."""
        if len(self.outputs) != 1:
            raise ValueError(f"graph has {len(self.outputs)} outputs: {list(self.outputs)}")
        return next(iter(self.outputs.values()))

    def spike_counts(self) -> dict[str, int]:
        """Total spikes (sum of outputs) per recorded node."""
        return {name: int(np.asarray(a).sum()) for name, a in self.recorded.items()}


def classify(output: np.ndarray) -> np.ndarray:
    """Predicted class per sample: argmax over the output's spike counts summed over time.

    ``output`` is (batch, time, classes); ties go to the lowest class index (numpy argmax).
    """
    counts = np.asarray(output).reshape(output.shape[0], output.shape[1], -1).sum(axis=1)
    return counts.argmax(axis=1)


def accuracy(output: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples whose :func:`classify` equals the label."""
    return float((classify(output) == np.asarray(labels).reshape(-1)).mean())

"""What an executor returns: per-node time series, batch first."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SimResult:
    """Recorded activity of one run, every series ``(batch, time, *shape)``, batch first.

    - ``outputs``: Output node name -> its series
    - ``recorded``: node name -> its output (spikes for spiking nodes), as asked with
      ``record=``
    - ``membranes``: neuron name -> membrane ``v`` after each step;
      post-reset for IMMEDIATE reset timing, pre-reset for DELAYED (see ResetTiming)
    - ``dt``: seconds per step; ``backend``: who computed it; ``latency``: steps the
      backend adds per synapse stage (0 for the reference semantics)
    - ``spiking``: series name -> the spiking node whose spikes (0/1) it holds (itself,
      or for an Output the spiking node it copies): what :meth:`spike_counts` counts
    - ``shifted_by``: node -> steps its series trails the float timeline (the chip's
      pipeline lag, see :mod:`snncompile.simulate.flush`); empty when every series is on
      the float timeline (step ``t`` is the float model's step ``t``). A compiled graph run
      without flushing keeps its lags: its outputs answer input step ``t`` at step
      ``t + shifted_by[output]``. :attr:`time_base` says which, in words.
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
    spiking: dict[str, str] = field(default_factory=dict)
    shifted_by: dict[str, int] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        first = next(iter(self.outputs.values()))
        return int(first.shape[1])

    @property
    def batch(self) -> int:
        first = next(iter(self.outputs.values()))
        return int(first.shape[0])

    @property
    def on_float_timeline(self) -> bool:
        """True when step ``t`` of every series is the float model's step ``t``."""
        return not any(self.shifted_by.values())

    @property
    def time_base(self) -> str:
        """The time base of every series, in words: the step length and whether the
        series are on the float timeline or trail it by the chip's pipeline lag."""
        step = f"steps of dt={self.dt:g} s" if self.dt else "steps"
        if self.on_float_timeline:
            return f"{step}, on the float timeline"
        lags = {n: k for n, k in self.shifted_by.items() if k and n in self.outputs} or \
            {n: k for n, k in self.shifted_by.items() if k}
        shown = ", ".join(f"{n} by {k}" for n, k in list(lags.items())[:4]) + (", ..." if len(lags) > 4 else "")
        return f"{step}, shifted by the chip's latency ({shown} steps; run_flushed aligns them)"

    def __repr__(self) -> str:
        shape = f"batch={self.batch}, steps={self.steps}, " if self.outputs else ""
        return (f"SimResult(backend={self.backend!r}, {shape}outputs={list(self.outputs)}, "
                f"recorded={list(self.recorded)}, time_base={self.time_base!r})")

    def output(self) -> np.ndarray:
        """The single output array (raises when the graph has several outputs)."""
        if len(self.outputs) != 1:
            raise ValueError(f"graph has {len(self.outputs)} outputs: {list(self.outputs)}")
        return next(iter(self.outputs.values()))

    def spike_trains(self) -> dict[str, np.ndarray]:
        """Every spiking node's spike train the run kept, by node name: recorded, or
        given by the Output that copies it (see ``spiking``) -> ``(batch, time, *shape)``.
        Synaptic currents, membranes and graded payloads are no spikes and are left out."""
        trains: dict[str, np.ndarray] = {}
        for series in (self.recorded, self.outputs):
            for name, array in series.items():
                if name in self.spiking:
                    trains.setdefault(self.spiking[name], array)
        return trains

    def spike_counts(self) -> dict[str, int]:
        """Spikes per spiking node, summed over batch, time and neurons: of every spike
        train kept (:meth:`spike_trains`), and of the spiking neurons an integer backend
        counted (``counters``) without recording them."""
        counts = {n: int(np.asarray(a).sum()) for n, a in self.spike_trains().items()}
        for name, c in self.counters.items():
            if name in self.spiking and name not in counts and "spikes" in c:
                counts[name] = int(np.asarray(c["spikes"]).sum())
        return counts

    def spike_rates(self) -> dict[str, float]:
        """Mean firing rate in Hz (spikes per neuron per second of simulated time, averaged
        over the batch) of every spike train kept; needs ``dt``."""
        if not self.dt:
            raise ValueError("spike_rates needs the run's dt (seconds per step); this result has none")
        trains = self.spike_trains()
        return {n: float(np.asarray(a, dtype=np.float64).mean()) / self.dt for n, a in trains.items()}


def classify(output: np.ndarray) -> np.ndarray:
    """Predicted class per sample: argmax over the output's spike counts summed over time.

    ``output`` is (batch, time, classes); ties go to the lowest class index (numpy argmax).
    """
    counts = np.asarray(output).reshape(output.shape[0], output.shape[1], -1).sum(axis=1)
    return counts.argmax(axis=1)


def accuracy(output: np.ndarray, labels: np.ndarray, readout: str = "count") -> float:
    """Fraction of samples whose class, as ``readout`` decides it (a classifying name in
    :data:`~snncompile.simulate.readout.READOUTS`; ``count``: :func:`classify`), equals the
    label; a sample the readout leaves undecided is wrong."""
    from snncompile.simulate.readout import get_readout

    score = get_readout(readout, classifying=True).score(output, labels)
    assert score is not None  # a classifying readout always scores
    return score

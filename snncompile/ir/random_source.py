"""A seeded random spike source, the same stream in every executor.

``RandomSpikes`` emits, per sample ``b``, step ``t`` and element ``i`` (flat index),
``y = 1`` when ``r(seed, b, t, i) < p_i`` else 0, with ``r`` a 32-bit uniform integer
from a counter-based generator (no state: the value depends only on its indices)::

    mix(x) = splitmix64's finaliser of x + 0x9E3779B97F4A7C15 (arithmetic mod 2**64):
             z = x + 0x9E3779B97F4A7C15
             z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
             z = (z ^ (z >> 27)) * 0x94D049BB133111EB
             z ^ (z >> 31)
    r(seed, b, t, i) = mix(mix(mix(mix(seed) ^ b) ^ t) ^ i) >> 32

and ``p_i = round(probability_i * 2**32)`` (``threshold()``), so a spike has probability
exactly ``p_i / 2**32``. ``b`` is the sample's index in the data set, whatever batches
the caller splits it into: row ``k`` of a batch that starts at sample ``s`` draws for
``b = s + k`` (``first_sample`` of
:class:`~snncompile.simulate.backend.RunInputs`, given to every backend's ``run``;
``evaluate`` passes each batch's start), so a run gives the same numbers however it is
split. On a chip this is a population of neurons fed by the core's random number
generator; the reference, the emulator and Lava (which replays the stream through a ring
buffer) compute :func:`uniform32` bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from snncompile.ir.node import Node, Shape, as_float_array, register_node
from snncompile.ir.stage import Stage

GOLDEN, MIX1, MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
#: a probability p is the integer threshold round(p * 2**32) on r
SCALE = 1 << 32


def mix(x: Any) -> Any:
    """splitmix64's step on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
        return z ^ (z >> np.uint64(31))


def uniform32(seed: int, samples: np.ndarray, step: int, size: int) -> np.ndarray:
    """``r(seed, b, step, i)`` for every ``b`` in ``samples`` and ``i < size``: (len(samples), size)
    int64 values in [0, 2**32)."""
    b = np.asarray(samples, dtype=np.uint64).reshape(-1, 1)
    h = mix(mix(np.uint64(seed)) ^ b)
    h = mix(h ^ np.uint64(step))
    h = mix(h ^ np.arange(size, dtype=np.uint64).reshape(1, -1))
    return (h >> np.uint64(32)).astype(np.int64)


@register_node
@dataclass(eq=False, kw_only=True)
class RandomSpikes(Node):
    """Bernoulli spikes of per-element ``probability`` (broadcast to ``shape``) from the
    seeded stream above; no incoming edge."""

    kind: ClassVar[str] = "RandomSpikes"
    stage: ClassVar[Stage] = Stage.ANY
    source: ClassVar[bool] = True
    spiking: ClassVar[bool] = True
    #: its output changes from step to step (executors count the steps)
    stateful: ClassVar[bool] = True
    shape: Shape
    probability: np.ndarray
    seed: int = 0

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        self.probability = as_float_array(self.probability)
        self.seed = int(self.seed)

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.shape

    def check(self, input_shape: Shape) -> list[str]:
        problems = []
        try:
            np.broadcast_to(self.probability, self.shape)
        except ValueError:
            return [f"probability of shape {self.probability.shape} does not broadcast to {self.shape}"]
        if not np.all((self.probability >= 0) & (self.probability <= 1)):
            problems.append("probability must lie in [0, 1]")
        if not 0 <= self.seed < 2**63:
            problems.append(f"seed must lie in [0, 2**63), found {self.seed}")
        return problems

    def threshold(self) -> np.ndarray:
        """Per element (flat), the integer ``p_i``: a spike when ``r < p_i``."""
        return np.rint(np.broadcast_to(self.probability, self.shape) * SCALE).astype(np.int64).reshape(-1)

    def spikes(self, samples: np.ndarray, step: int) -> np.ndarray:
        """(len(samples), flat size) 0/1 int8: the spikes of ``step`` for those samples."""
        p = self.threshold()
        return (uniform32(self.seed, samples, step, p.size) < p).astype(np.int8)

"""The choices of an ANN → SNN conversion (:func:`snncompile.convert.convert`)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from snncompile.errors import InputError

NORMALIZATIONS = ("max", "percentile")
NEURONS = ("if", "lif")
RESETS = ("subtract", "zero")


@dataclass(frozen=True)
class ConvertOptions:
    """- ``normalize``: how each layer's scale ``lambda`` comes from its calibration
      activations: ``max`` (Diehl et al. 2015) or ``percentile`` (Rueckauer et al. 2017:
      robust to outliers), over every element of the layer's output on the calibration
      set, as SpikingJelly's ``VoltageHook`` computes them (``max``, ``'99.9%'``);
    - ``percentile``: the percentile for ``normalize='percentile'`` (default 99.9);
    - ``neuron``: ``if`` (no leak, the exact rate code) or ``lif`` (``v = decay v + x``);
    - ``decay``: the LIF's per-step decay;
    - ``reset``: ``subtract`` (keeps the residual charge: rates stay exact) or ``zero``
      (what Lava's LIF does; loses the residual, lower rates at high activity).
    """

    normalize: str = "percentile"
    percentile: float = 99.9
    neuron: str = "if"
    decay: float = 0.99
    reset: str = "subtract"

    def __post_init__(self) -> None:
        problems = []
        for name, allowed in (("normalize", NORMALIZATIONS), ("neuron", NEURONS), ("reset", RESETS)):
            if getattr(self, name) not in allowed:
                problems.append(f"{name} must be one of {allowed}, found '{getattr(self, name)}'")
        if not (0 < self.percentile <= 100):
            problems.append(f"percentile must be in (0, 100], found {self.percentile}")
        if not (math.isfinite(self.decay) and 0 < self.decay <= 1):
            problems.append(f"decay must be in (0, 1], found {self.decay}")
        if problems:
            raise InputError("convert options: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

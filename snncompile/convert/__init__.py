"""ANN → SNN conversion: rate coding with data-based threshold balancing.

``convert(ann, calibration, ConvertOptions(...))`` turns a trained ReLU network into a
spiking one (IF or LIF neurons, scales from the max or a percentile of each layer's
calibration activations; :mod:`snncompile.convert.conversion`); ``Conversion.graph()`` is
the IR graph to compile; :func:`accuracy_against_steps` measures how the accuracy grows
with the number of steps ``T``. CLI: ``snncompile convert`` (docs/convert.md).

Names are imported on first use, so that ``snncompile convert --help`` (which reads
:mod:`snncompile.convert.options`) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Conversion": "conversion", "accuracy_against_steps": "conversion", "ann_accuracy": "conversion",
    "convert": "conversion", "run_steps": "conversion", "ConvertOptions": "options",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'snncompile.convert' has no attribute '{name}'")
    return getattr(importlib.import_module(f"snncompile.convert.{_HOMES[name]}"), name)


__all__ = sorted(_HOMES)

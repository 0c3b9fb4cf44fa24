"""Data-based threshold balancing: one scale ``lambda`` per converted activation.

The ANN is run once (float64, eval mode) on the calibration inputs; ``lambda`` of an
activation is the maximum, or the ``p``-th percentile, of every element of its output
over all calibration samples (zeros included), the statistics SpikingJelly's ann2snn
``VoltageHook`` takes (``'max'``, ``'99.9%'``; ``torch.quantile``'s linear interpolation
is NumPy's default ``percentile``). A spiking layer then fires at about ``a / lambda`` of
its steps where the ANN's activation is ``a`` (at most once per step: activations above
``lambda`` saturate, which the percentile accepts for a few outliers in exchange for
finer rates everywhere else).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import fx
from torch.nn import functional as F

from snncompile.convert.options import ConvertOptions
from snncompile.errors import InputError

#: functions and tensor methods that are a ReLU in a traced ANN
RELU_FUNCTIONS = (F.relu, torch.relu)
RELU_METHODS = ("relu",)


def is_relu(node: fx.Node, modules: dict[str, torch.nn.Module]) -> bool:
    if node.op == "call_module":
        return type(modules.get(str(node.target))) is torch.nn.ReLU
    if node.op == "call_function":
        return node.target in RELU_FUNCTIONS
    return node.op == "call_method" and node.target in RELU_METHODS


def statistic(values: np.ndarray, options: ConvertOptions) -> float:
    """``lambda`` of one activation's values (see module docstring)."""
    if options.normalize == "max":
        return float(np.max(values))
    return float(np.percentile(values, options.percentile))


def activation_scales(gm: fx.GraphModule, nodes: Sequence[fx.Node], calibration: torch.Tensor,
                      options: ConvertOptions) -> dict[str, float]:
    """``lambda`` per node of ``nodes`` (by name) from one run of ``gm`` on ``calibration``."""
    seen: dict[str, np.ndarray] = {}
    wanted = {n.name for n in nodes}

    class Recorder(fx.Interpreter):
        def run_node(self, n: fx.Node):
            out = super().run_node(n)
            if n.name in wanted:
                seen[n.name] = out.detach().to(torch.float64).cpu().numpy()
            return out

    with torch.no_grad():
        Recorder(gm).run(calibration)
    scales = {}
    for name in (n.name for n in nodes):
        scale = statistic(seen[name], options)
        if not (np.isfinite(scale) and scale > 0):
            raise InputError(f"convert: activation '{name}' has {options.normalize} {scale:g} on the calibration data; "
                             "a spiking layer needs a positive scale (is it ever active?)")
        scales[name] = scale
    return scales

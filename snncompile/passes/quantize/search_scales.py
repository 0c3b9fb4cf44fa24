"""search_scales: choose each spiking layer's scale by the spikes it gives.

The automatic scale (:mod:`~snncompile.passes.quantize.choose_scales`) follows rules:
fill the weight mantissas, then raise the scale until the threshold has
``threshold_resolution`` units, unless the calibrated ``|u|`` or ``|v|`` would leave the
state's range with ``headroom``. Both ends are guesses about what costs more spikes: a
larger scale makes every unit of ``u`` (``2**act_shift`` units of ``v``) — the grain of
weights, biases and reset corrections, and where negative exponents floor — a smaller
part of the threshold, and lets small weights keep their bits; it also lets ``v`` reach
the state's range sooner, where it is clipped. Calibrated ``|v|`` is mostly how far
inhibition pushes the membrane *below* zero, where a clip changes little.

With calibration input this analysis measures instead: for each spiking layer in graph
order, it compiles the network with that layer's scale at ``2**k`` times the current one
(``k`` from ``-1`` up while the result improves, at most ``MAX_UP``), runs each compiled
candidate on the emulator over the calibration input, and keeps the scale whose spikes
agree best with the float model's (the mean agreement over every spiking layer, each
aligned by its lag; ties keep the smaller change). Layers whose scale or threshold scale
the options fix are left alone. The result is a plan; the chosen layers say
``limited_by = "measured agreement"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from snncompile.errors import SnnCompileError
from snncompile.ir import Graph, SpikingNeuron
from snncompile.passes.quantize.choose_scales import ScalePlan, rescaled

#: how many doublings above the current scale are tried at most
MAX_UP = 6
WHY = "measured agreement"


def searchable(plan: ScalePlan, graph: Graph) -> list[str]:
    """Spiking layers whose scale the options leave to the quantizer."""
    opts = plan.options
    return [n for n in plan.layers if isinstance(graph.nodes[n], SpikingNeuron)
            and opts.for_layer(n, "scale") is None and opts.for_layer(n, "threshold_scale") is None
            and opts.for_layer(n, "weight_exp") is None]


def search_scales(prepared: Graph, plan: ScalePlan, compile_plan: Callable[[ScalePlan], tuple[Graph, Mapping[str, int]]],
                  inputs: Mapping[str, np.ndarray] | np.ndarray, reference: Mapping[str, np.ndarray]) -> ScalePlan:
    """See module docstring. ``compile_plan(plan)``: the compiled graph and its lags;
    ``reference``: the float spikes of every spiking layer on ``inputs``."""
    from snncompile.compare import aligned_agreement
    from snncompile.simulate import get_backend

    emulate = get_backend("emulator")
    steps = next(iter(reference.values())).shape[1]

    def score(candidate: ScalePlan) -> float:
        try:
            fixed, lags = compile_plan(candidate)
            extra = max((int(lags.get(n, 0)) for n in reference), default=0)
            run = emulate(fixed, inputs, steps=steps + extra, record=list(reference))
        except SnnCompileError:
            return -1.0  # a scale the target cannot hold (a threshold past its width, ...)
        return float(np.mean([aligned_agreement(ref, run.recorded[n], int(lags.get(n, 0)))
                              for n, ref in reference.items()]))

    best_score = score(plan)
    for name in searchable(plan, prepared):
        base = plan.layers[name].scale
        best = (best_score, 0, plan)
        for k in [-1, *range(1, MAX_UP + 1)]:
            candidate = rescaled(plan, prepared, name, base * 2.0**k, WHY)
            value = score(candidate)
            if value > best[0]:
                best = (value, k, candidate)
            elif k > 0 and value < best[0] and k > best[1] + 1:
                break  # two doublings past the best: the state range is being lost
        best_score, _, plan = best
    return plan

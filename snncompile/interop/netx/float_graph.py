"""The float meaning of a netx-style fixed graph: SLAYER's CUBA network in real numbers.

SLAYER (``lava/lib/dl/slayer/neuron/cuba.py``) trains the integer neuron with its states
scaled down by ``s_scale = 1 << 12`` and its weights by ``w_scale = 1 << 6``: float
weight ``w = W / 64``, current ``i = u / 4096``, voltage ``v_f = v / 4096``, threshold
``vThMant / 64``. In those units one step of a FixedLIF (``du``, ``dv``, ``vth``, bias
``b = bias_mant << bias_exp``) fed by integer synapses ``y = W s << weight_exp`` is::

    i[t] = (1 - (du + 1) / 4096) i[t-1] + (W 2**weight_exp / 64) s[t]
    v[t] = (1 - dv / 4096) v[t-1] + i[t] + b / 4096
    spike when v[t] > vth / 64; then v = 0

which is the IR's ``CubaLIF`` (``syn_decay = 1 - (du + 1)/4096``, ``decay = 1 - dv/4096``,
gains 1, reset to zero at once, comparator ``>``) behind ``Linear`` / ``Conv2d`` synapses
of weight ``W 2**weight_exp / 64``. The integer graph rounds each decay toward zero
(``trunc0``), saturates ``v`` at 24 bits, wraps ``u`` and floors negative exponents; the
float graph does none of these, so the two agree up to those roundings.

Timing: float synapses take no time (the IR's convention); the integer graph's one step
per synapse stage is its *lag* (:func:`netx_lags`), and SLAYER's ``delay_shift`` models
the same step, so SLAYER's block outputs equal the integer graph's, and trail the float
graph's by the lag. A recurrent matrix keeps its one-step delay. Extra delays become
edge delays (uniform) or a ``Delay`` node after (one per output neuron) or before (one
per input) the synapse; other per-synapse delay matrices have no float form here.
"""

from __future__ import annotations

import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.ir import (
    Conv2d,
    CubaLIF,
    Flatten,
    Graph,
    Input,
    Linear,
    Output,
    Reset,
    ResetTiming,
)
from snncompile.ir.fixed import FixedConv2d, FixedLIF, FixedLinear, FixedSynapse
from snncompile.ir.semantics import Comparator
from snncompile.passes.quantize.add_synapse_latency import node_lags

#: SLAYER's CUBA state scale ``s_scale = scale << 6`` with its default ``scale = 1 << 6``
STATE_SCALE = 1 << 12


def netx_lags(fixed: Graph) -> dict[str, int]:
    """Steps each node of the integer graph trails the float graph (one per synapse stage)."""
    return node_lags(fixed, 1)


def float_neuron(node: FixedLIF) -> CubaLIF:
    unity = float(1 << node.decay_bits)
    return CubaLIF(
        shape=node.shape, syn_decay=np.array((unity - (node.du + 1)) / unity), syn_gain=np.array(1.0),
        decay=np.array((unity - node.dv) / unity), gain=np.array(1.0),
        bias=node.effective_bias().astype(np.float64) / STATE_SCALE,
        threshold=np.array(float(node.effective_threshold()) / STATE_SCALE),
        reset=Reset.ZERO, reset_timing=ResetTiming.IMMEDIATE, comparator=Comparator.GT,
    )


def float_weight(node: FixedSynapse, act_shift: int = 6) -> np.ndarray:
    return node.effective_weight().astype(np.float64) * 2.0**node.weight_exp * 2.0**act_shift / STATE_SCALE


def float_graph(fixed: Graph) -> Graph:
    """The float graph of a fixed graph made of FixedLIF, FixedLinear, FixedConv2d and
    shape nodes (what a netx file holds); UnsupportedError naming the node otherwise."""
    lags = netx_lags(fixed)
    g = Graph(dt=fixed.dt)
    renamed: dict[str, tuple[str, str]] = {}  # fixed synapse -> (float entry, float exit)
    for name, node in fixed.items():
        renamed[name] = (name, name)
        if isinstance(node, FixedLIF):
            if node.reads_membrane or node.graded or node.reset is not Reset.ZERO:
                raise UnsupportedError(f"node '{name}' (FixedLIF): no SLAYER CUBA float form (readout, graded or "
                                       "non-zero reset)")
            g.add(name, float_neuron(node))
        elif isinstance(node, FixedConv2d):
            g.add(name, Conv2d(weight=float_weight(node), stride=node.stride, padding=node.padding,
                               dilation=node.dilation, groups=node.groups))
        elif isinstance(node, FixedLinear):
            renamed[name] = _linear(g, name, node)
        elif isinstance(node, (Input, Output, Flatten)):
            g.add(name, node)
        else:
            raise UnsupportedError(f"node '{name}' ({node.kind}): not a netx node, no SLAYER float form")
    for e in fixed.edges:
        delay = max(e.delay - lags[e.dst] + lags[e.src], 0)
        g.connect(renamed[e.src][1], renamed[e.dst][0], delay)
    return g.validate()


def _linear(g: Graph, name: str, node: FixedLinear) -> tuple[str, str]:
    """The Linear of the same weights in float units and the same per-synapse delays;
    (entry, exit) names."""
    d = node.delays
    g.add(name, Linear(weight=float_weight(node), delays=d if d is not None and np.any(d) else None))
    return name, name

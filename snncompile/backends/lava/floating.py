"""Float graphs on Lava's ``floating_pt`` models.

Lava's float LIF is ``u = u (1 - du) + a;  v = v (1 - dv) + u + bias;  s = v > vth;
v[s] = 0``. An IR neuron maps onto it when its reset is to zero (``v_reset = 0``,
immediate, ``>``) and its decays and threshold are one value per population:

- LIF / IF: ``du = 1`` (no current memory), ``dv = 1 - decay``, ``vth = threshold``;
- CubaLIF: ``du = 1 - syn_decay``, ``dv = 1 - decay``;
- ``gain`` (and CubaLIF's ``syn_gain``) are folded into the incoming weights, per neuron;
- a refractory period (``refractory = R``) is Lava's ``LIFRefractory`` with
  ``refractory_period = R`` (its float model holds ``v`` and lets ``u`` integrate for R
  steps after a spike; it compares the held ``v = 0`` with ``vth``, so ``vth > 0``).

Timing: every Lava synapse adds one step. An IR edge pair input -> synapse -> neuron with
total delay ``D`` becomes a Dense (``D <= 1``) or a DelayDense with delay ``D - 1``: a
recurrent edge (``D = 1``) keeps its meaning (a Linear's per-synapse delays add to each
synapse's DelayDense delay), and each zero-delay synapse stage adds
``LATENCY`` = 1 step, which is this backend's timing (outputs lag the reference by the
number of zero-delay synapse stages on the path). A neuron with a bias integrates it
during those extra leading steps as well, so with a bias the aligned membranes differ by
the decayed extra bias (spikes usually still agree); without one they are equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.backends.lava.lower import (
    conv_weight,
    dense_columns,
    from_lava_layout,
    lava_shape,
    to_lava_layout,
)
from snncompile.errors import UnsupportedError
from snncompile.ir import IF, LIF, Conv2d, CubaLIF, Flatten, Graph, Input, Linear, Output
from snncompile.ir.semantics import Comparator, Reset, ResetTiming

NEURONS = (LIF, IF, CubaLIF)
SYNAPSES = (Linear, Conv2d)


def _scalar(value: np.ndarray) -> float | None:
    flat = np.asarray(value, float).ravel()
    return float(flat[0]) if flat.size and np.all(flat == flat[0]) else None


def _uniform(value: np.ndarray) -> float:
    """The one value of a population-wide coefficient (checked by :func:`float_problems`)."""
    scalar = _scalar(value)
    assert scalar is not None
    return scalar


def float_problems(graph: Graph) -> list[str]:
    """Every reason Lava's floating_pt models cannot run ``graph`` as the IR means it."""
    problems = []
    for name, node in graph.items():
        where = f"node '{name}' ({node.kind})"
        if isinstance(node, NEURONS):
            if node.reset is not Reset.ZERO or np.any(node.v_reset != 0):
                problems.append(f"{where}: Lava's LIF resets v to 0 only")
            if node.reset_timing is not ResetTiming.IMMEDIATE:
                problems.append(f"{where}: delayed reset (Lava resets in the same step)")
            if node.comparator is not Comparator.GT:
                problems.append(f"{where}: comparator '>=' (Lava fires on v > vth)")
            coeffs = [("threshold", node.threshold)] + [(k, getattr(node, k)) for k in ("decay", "syn_decay")
                                                        if hasattr(node, k)]
            for key, value in coeffs:
                if _scalar(value) is None:
                    problems.append(f"{where}: per-neuron {key} (Lava has one value per population)")
            if node.refractory and np.any(node.threshold <= 0):
                problems.append(f"{where}: refractory period with threshold <= 0 (LIFRefractory compares the held "
                                "v = 0 with vth)")
        elif isinstance(node, SYNAPSES):
            if node.bias is not None:
                problems.append(f"{where}: synapse bias (Lava's Dense/Conv have none)")
            if isinstance(node, Conv2d) and (node.max_delay() or any(e.delay for e in graph.incoming(name)
                                                                      + graph.outgoing(name))):
                problems.append(f"{where}: delays on a convolution")
            consumers = {type(graph.nodes[e.dst]) for e in graph.outgoing(name)}
            if not consumers <= set(NEURONS) | {Output}:
                problems.append(f"{where}: feeds {sorted(c.kind for c in consumers)}; Lava synapses feed neurons")
        elif not isinstance(node, (Input, Output, Flatten)):
            problems.append(f"{where}: no Lava floating_pt process for this node")
    return problems


def _gain(node) -> np.ndarray:
    gain = np.broadcast_to(getattr(node, "gain", np.ones(())), node.shape).astype(float)
    if isinstance(node, CubaLIF):
        gain = gain * np.broadcast_to(node.syn_gain, node.shape)
    return gain


def build_float_processes(graph: Graph, shapes, sample, steps):
    """Processes and connections for one sample; returns (procs, out_port)."""
    from lava.proc.conv.process import Conv
    from lava.proc.dense.process import DelayDense, Dense
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIF as LavaLIF
    from lava.proc.lif.process import LIFRefractory

    procs: dict[str, Any] = {}
    for name, node in graph.items():
        if isinstance(node, Input):
            data = to_lava_layout(sample[name], node.shape)
            procs[name] = Source(data=np.moveaxis(data, 0, -1).astype(float))
        elif isinstance(node, NEURONS):
            decay = _uniform(getattr(node, "decay", np.ones(())))
            du = 1.0 - _uniform(node.syn_decay) if isinstance(node, CubaLIF) else 1.0
            bias = to_lava_layout(np.broadcast_to(node.bias, node.shape).astype(float), node.shape)
            fields = dict(shape=lava_shape(node.shape), du=du, dv=1.0 - decay, vth=_uniform(node.threshold),
                          bias_mant=bias.copy())
            procs[name] = (LIFRefractory(**fields, refractory_period=node.refractory) if node.refractory
                           else LavaLIF(**fields))
    for name, node in graph.items():
        if not isinstance(node, SYNAPSES):
            continue
        (edge,) = graph.incoming(name)
        src, flat_from = _through_flatten(graph, edge.src, shapes)
        outs = graph.outgoing(name)
        consumer = graph.nodes[outs[0].dst] if outs else None
        total = edge.delay + (outs[0].delay if outs else 0)
        if isinstance(node, Linear):
            w = node.weight * (_gain(consumer).reshape(-1, 1) if isinstance(consumer, NEURONS) else 1.0)
            w = dense_columns(w, flat_from)
            delays = max(total - 1, 0) + (0 if node.delays is None else dense_columns(node.delays, flat_from))
            procs[name] = (DelayDense(weights=w, delays=np.broadcast_to(delays, w.shape).astype(int))
                           if np.any(delays > 0) else Dense(weights=w))
        else:
            scale = _gain(consumer)[:, 0, 0] if isinstance(consumer, NEURONS) else np.ones(node.weight.shape[0])
            w = conv_weight(node.weight * scale.reshape(-1, 1, 1, 1))
            procs[name] = Conv(weight=w, input_shape=lava_shape(shapes[src]), padding=node.padding[::-1],
                               stride=node.stride[::-1], dilation=node.dilation[::-1], groups=node.groups)

    def out_port(src: str, flatten: bool):
        proc = procs[src]
        port = proc.a_out if hasattr(proc, "a_out") else proc.s_out
        return port.flatten() if flatten and len(port.shape) > 1 else port

    for name, node in graph.items():
        if isinstance(node, SYNAPSES):
            src, _ = _through_flatten(graph, graph.incoming(name)[0].src, shapes)
            out_port(src, isinstance(node, Linear)).connect(procs[name].s_in)
        elif isinstance(node, NEURONS):
            for e in graph.incoming(name):
                out_port(_through_flatten(graph, e.src, shapes)[0], False).connect(procs[name].a_in)
    return procs, out_port


def _through_flatten(graph: Graph, name: str, shapes):
    flat_from = None
    while isinstance(graph.nodes[name], Flatten):
        name = graph.incoming(name)[0].src
        flat_from = shapes[name]
    return name, flat_from


def check_float(graph: Graph) -> None:
    problems = float_problems(graph)
    if problems:
        head = "Lava's floating_pt models cannot run this graph"
        raise UnsupportedError(f"{head}: {problems[0]}" if len(problems) == 1
                               else f"{head} ({len(problems)} problems): " + "; ".join(problems))


__all__ = ["check_float", "build_float_processes", "float_problems", "from_lava_layout"]

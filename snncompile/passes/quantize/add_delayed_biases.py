"""add_delayed_biases: start every neuron bias at the neuron's own float step 0.

A chip neuron adds its bias register to ``v`` from chip step 0, but the layer's input
arrives ``lag`` steps later (one synapse stage per hop): the float model's neuron, whose
bias and input both start at step 0, is then ``lag`` steps of bias ahead — for a deep
network on few steps (a transformer on T = 4) that is most of the run. This pass moves
the bias of every neuron with ``lag > 0`` and no current memory (``du`` keeps nothing:
``u = a << act_shift``, so a synaptic input adds to ``v`` within the step, as a bias
does) off the register and onto a one-column synapse ``<neuron>.bias`` from the
always-on source (:func:`~snncompile.passes.quantize.add_bias_sources.add_source`),
whose edge is delayed by ``lag``: exactly the float timing.

The bias ``b`` (integer ``v`` units) becomes mantissas ``m`` with exponent ``e``
(``b ≈ m · 2**(e + act_shift)``, the smallest ``e >= 0`` that fits the target's weight
grid), so its resolution is ``2**(e + act_shift)`` units instead of the register's
``2**bias_exp``; the report states the largest difference. A neuron with current memory
keeps its register (a synaptic bias would be filtered by the current): its bias still
starts ``lag`` steps early, which the report notes. ``bias_timing="register"`` keeps
every register (one synapse fewer per layer; the early start noted).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from snncompile.ir import Graph
from snncompile.ir.fixed import FixedLIF, FixedLinear, SignMode
from snncompile.ir.host_tensor import Reshape
from snncompile.ir.placement import LAG, ORIGIN, with_origin
from snncompile.passes.quantize.add_bias_sources import add_source
from snncompile.passes.quantize.add_residual_weights import residual_suffix
from snncompile.passes.quantize.numbers import exponent_for, quantize_to_grid, weight_grid
from snncompile.passes.quantize.spec import FixedPointSpec

SUFFIX = ".bias"
PASS = "add_delayed_biases"


def moves_bias(node: FixedLIF, lag: int) -> bool:
    """True when this neuron's bias goes onto a delayed synapse."""
    return lag > 0 and not node.keeps_current and bool(np.any(node.effective_bias() != 0))


def bias_columns(bias: np.ndarray, spec: FixedPointSpec, parts: int) -> list[tuple[np.ndarray, int]]:
    """``bias`` (``v`` units) as ``parts`` one-column synapses: (mantissas, exponent) each,
    the first at the smallest exponent >= 0 that fits, the next holding what it rounded
    away (``weight_split=2``)."""
    unit = 2.0**spec.activation_shift
    out: list[tuple[np.ndarray, int]] = []
    rest = bias / unit
    for k in range(parts):
        if not np.any(np.abs(rest) >= 2.0**-20):
            break
        grid = weight_grid(rest, spec)
        e = exponent_for(float(np.max(np.abs(rest))), grid.magnitude)
        e = max(0, e) if k == 0 else e
        mant, _ = quantize_to_grid(rest / 2.0**e, grid, "nearest")
        out.append((mant, e))
        rest = rest - mant * 2.0**e
    return out


def add_delayed_biases(graph: Graph, spec: FixedPointSpec, lags: Mapping[str, int], parts: int = 1) -> Graph:
    """See module docstring; ``parts=2`` adds a residual column (``weight_split=2``). Pure:
    the nodes it adds carry their origin and lag in ``meta`` (the bias synapse 0, a
    population's view the neuron's lag, so that the whole delay sits on the synapse)."""
    g = graph.copy()
    for name, node in graph.items():
        if not isinstance(node, FixedLIF) or not moves_bias(node, int(lags.get(name, 0))):
            continue
        lag = int(lags[name])
        columns = bias_columns(node.effective_bias().reshape(-1).astype(np.float64), spec, parts)
        g.nodes[name] = node.replace(bias_mant=np.zeros((), np.int64), bias_exp=np.zeros((), np.int64))
        for k, (mant, e) in enumerate(columns):
            syn = name + SUFFIX + residual_suffix(k)
            column = FixedLinear(weight=mant.reshape(-1, 1), weight_exp=e, sign_mode=SignMode(weight_grid(mant, spec).sign_mode),
                                 num_weight_bits=spec.weight_mantissa_bits, **spec.synapse_fields())
            g.add(syn, with_origin(column, PASS, [name], part=k).with_meta(**{LAG: 0}))
            g.connect(add_source(g), syn)
            if len(node.shape) > 1:  # the flat column onto the population's shape (the delay on the synapse)
                view = g.add(syn + ".view", Reshape(shape=node.shape, meta={LAG: lag}))
                g.connect(syn, view, lag)
                g.connect(view, name)
            else:
                g.connect(syn, name, lag)
    return g


def delayed_bias_notes(graph: Graph, spec: FixedPointSpec, lags: Mapping[str, int], parts: int = 1) -> list[str]:
    """What :func:`add_delayed_biases` approximates on ``graph`` (the graph it is given):
    each moved bias's largest rounding, and the registers that still start early."""
    notes = []
    for name, node in graph.items():
        if not isinstance(node, FixedLIF):
            continue
        lag = int(lags.get(name, 0))
        if not moves_bias(node, lag):
            if lag > 0 and np.any(node.effective_bias() != 0):
                notes.append(f"'{name}': its bias register starts {lag} step(s) before its input (a current-based "
                             "neuron keeps the register)")
            continue
        bias = node.effective_bias().reshape(-1).astype(np.float64)
        unit = 2.0**spec.activation_shift
        error = float(np.max(np.abs(sum(m * 2.0**e for m, e in bias_columns(bias, spec, parts)) * unit - bias)))
        notes.append(f"'{name}': bias on a synapse from the always-on source, delayed {lag} step(s) to start with "
                     f"its input (largest rounding {error / node.effective_threshold():.2%} of the threshold)")
    return notes


def moved_biases(graph: Graph) -> set[str]:
    """Neurons whose bias this pass moved onto synapses (read from the synapses' origin)."""
    return {node.meta[ORIGIN]["from"][0] for node in graph.nodes.values()
            if node.meta.get(ORIGIN, {}).get("pass") == PASS}

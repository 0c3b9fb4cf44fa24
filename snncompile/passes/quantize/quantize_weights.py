"""quantize_weights: every synapse of a layer becomes a FixedLinear / FixedConv2d.

Mantissas ``m = rnd(S · n · g · w / 2**(act_shift + e))`` on the grid Lava keeps (see
:func:`~snncompile.passes.quantize.numbers.weight_grid`: a mixed-sign 8-bit matrix
holds even values in [-256, 254]), clipped to its range; ``e`` is the synapse's
exponent from the plan. The sign mode is written explicitly (from the float weights).
Synapses fed by an ``Input`` take integer payloads when the option ``graded_input`` is
set (``num_message_bits = 24``); otherwise every nonzero input is a spike.
"""

from __future__ import annotations

from typing import Any

from snncompile.errors import UnsupportedError
from snncompile.ir import Graph, Input
from snncompile.ir.fixed import FixedConv2d, FixedLinear, FixedSynapse, SignMode
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.quantize.choose_scales import ScalePlan, effective_weight, float_weight
from snncompile.passes.quantize.numbers import quantize_to_grid, weight_grid
from snncompile.passes.rewrite import replace_node

GRADED_MESSAGE_BITS = 24


def quantize_weights(graph: Graph, plan: ScalePlan) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not is_float_synapse(node):
            continue
        found = plan.for_synapse(name)
        if found is None:
            raise UnsupportedError(f"synapse '{name}' ({node.kind}) does not feed a neuron layer; nothing gives it a scale")
        graph = replace_node(graph, name, fixed_synapse(graph, name, plan))
    return graph


def fixed_synapse(graph: Graph, name: str, plan: ScalePlan, node: Any = None) -> FixedSynapse:
    """The integer form of synapse ``name`` (its mantissas, exponent, widths); a bias
    pseudo-synapse ``<linear>.bias`` becomes a one-column FixedLinear."""
    chosen, syn = plan.for_synapse(name)  # type: ignore[misc]
    spec, opts = plan.spec, plan.options
    node = node if node is not None else graph.nodes[name]
    target = chosen.scale * effective_weight(graph, chosen.layer, name) / 2.0 ** (spec.activation_shift + syn.weight_exp)
    grid = weight_grid(float_weight(graph, name), spec, opts.weight_bits)
    mantissa, _ = quantize_to_grid(target, grid, opts.rounding)
    fed_by_input = any(isinstance(graph.nodes[e.src], Input) for e in graph.incoming(name))
    fields: dict[str, Any] = dict(
        weight=mantissa, weight_exp=syn.weight_exp, sign_mode=SignMode(grid.sign_mode),
        num_weight_bits=opts.weight_bits or spec.weight_mantissa_bits,
        weight_bits=spec.weight_mantissa_bits,
        num_message_bits=GRADED_MESSAGE_BITS if fed_by_input and opts.graded_input else 0,
    )
    if node.operator == "linear":
        return FixedLinear(**fields)
    if node.operator == "conv2d":
        return FixedConv2d(**node.conv_arguments(), **fields)
    raise UnsupportedError(f"synapse '{name}' ({node.kind}) has no integer form (FixedLinear / FixedConv2d only)")

"""quantize_weights: every chip synapse of a layer becomes its integer form (a Linear a
FixedLinear, a Conv1d a FixedConv1d, a Conv2d a FixedConv2d; synapses placed on the host
stay float).

Mantissas ``m = rnd(S · n · g · w / 2**(act_shift + e))`` on the grid Lava keeps (see
:func:`~snncompile.passes.quantize.numbers.weight_grid`: a mixed-sign 8-bit matrix
holds even values in [-256, 254]), clipped to its range; ``e`` is the synapse's
exponent from the plan. The sign mode is written explicitly (from the float weights).
Synapses fed by an ``Input`` take integer payloads when the option ``graded_input`` is
set (``num_message_bits = 24``); otherwise every nonzero input is a spike. A Linear's
per-synapse delays become the FixedLinear's (the same meaning: input of step ``t``
through synapse (i, j) counts at ``t + D_ij``); they must not exceed the target's
``max_delay``; a convolution with delays has no integer form.
"""

from __future__ import annotations

from typing import Any

from snncompile.errors import UnsupportedError
from snncompile.ir import Graph, Input
from snncompile.ir.fixed import (
    GRADED_MESSAGE_BITS,
    FixedConv1d,
    FixedConv2d,
    FixedLIF,
    FixedLinear,
    FixedSynapse,
    SignMode,
)
from snncompile.ir.placement import on_host
from snncompile.ir.synapse import is_float_synapse
from snncompile.passes.add_chip_entries import entry_synapse, is_entry
from snncompile.passes.quantize.choose_scales import ScalePlan, effective_weight, float_weight
from snncompile.passes.quantize.numbers import quantize_to_grid, weight_grid
from snncompile.passes.rewrite import replace_node


def quantize_weights(graph: Graph, plan: ScalePlan) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not is_float_synapse(node) or on_host(node):
            continue
        if is_entry(node):
            graph = replace_node(graph, name, entry_synapse(node, plan.spec))
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
    fields: dict[str, Any] = dict(
        weight=mantissa, weight_exp=syn.weight_exp, sign_mode=SignMode(grid.sign_mode),
        num_weight_bits=opts.weight_bits or spec.weight_mantissa_bits,
        **spec.synapse_fields(), **payload_fields(graph, name, plan),
    )
    integer_form = INTEGER_FORMS.get(node.operator)
    if integer_form is None:
        raise UnsupportedError(f"synapse '{name}' ({node.kind}) has no integer form "
                               f"(integer synapses: {', '.join(INTEGER_FORMS)})")
    own = name in graph.nodes  # not a '<linear>.bias' column: the bias is never delayed
    delays = node.synapse_delays() if own and node.max_delay() > 0 else None
    if delays is not None:
        _check_delays(name, node, spec)
    if node.operator == "linear":
        return FixedLinear(**fields, delays=delays)
    return integer_form(**node.conv_arguments(), **fields)


def _check_delays(name: str, node: Any, spec: Any) -> None:
    """Per-synapse delays the integer form can hold: a FixedLinear's, up to the target's
    largest synaptic delay."""
    if node.operator != "linear":
        raise UnsupportedError(f"node '{name}' ({node.kind}): per-synapse delays on a convolution have no integer "
                               "form (chip convolutions have no delays); write it as a Linear with delays")
    if node.max_delay() > spec.max_delay:
        raise UnsupportedError(f"node '{name}' ({node.kind}): delay {node.max_delay()} steps exceeds "
                               f"{spec.target}'s largest synaptic delay {spec.max_delay}")


def payload_fields(graph: Graph, name: str, plan: ScalePlan) -> dict[str, int]:
    """What synapse ``name`` reads from its inputs: integer payloads (``graded_input``, or
    host values the partition let cross as graded spikes),
    spike counts from neurons that send several spikes per step, input spike counts
    clipped to the target's ``max_input_payload``; else binary spikes."""
    spec, opts = plan.spec, plan.options
    srcs = [graph.nodes[e.src] for e in graph.incoming(name)]
    fed_by_input = any(isinstance(src, Input) for src in srcs)
    if (fed_by_input and opts.graded_input) or any(on_host(src) for src in srcs):
        return {"num_message_bits": GRADED_MESSAGE_BITS}
    if fed_by_input and spec.max_input_payload:
        return {"num_message_bits": spec.max_input_payload.bit_length(), "max_payload": spec.max_input_payload}
    counts = max((src.max_spikes for src in srcs if isinstance(src, FixedLIF)), default=1)
    if counts > 1:
        return {"num_message_bits": counts.bit_length(), "max_payload": counts}
    return {"num_message_bits": 0}


#: synapse operator -> the integer synapse kind that computes it
INTEGER_FORMS: dict[str, type[FixedSynapse]] = {"linear": FixedLinear, "conv1d": FixedConv1d, "conv2d": FixedConv2d}

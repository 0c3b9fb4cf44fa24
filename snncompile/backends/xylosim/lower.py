"""A compiled graph as a Xylo Audio 2 network (the arguments of Rockpool's
``XyloSim.from_specification``), or every reason it is not one.

Xylo's network is fixed: input channels -> hidden neurons (recurrent) -> output neurons.
In a compiled graph that is: one ``Input`` of shape ``(Nin,)``; hidden populations
(FixedLIF that feed synapses), each fed by at most one input synapse (a FixedLinear from
the Input, edge delay 0: input spikes arrive within the step) and by recurrent synapses
from hidden populations (edge delay 1); output populations (FixedLIF that feed only
``Output`` nodes), fed by synapses from hidden populations (delay 1). Hidden populations
are numbered in graph order into Xylo's hidden neurons, output populations into its
output neurons.

Every neuron must compute Xylo's arithmetic (the fields :data:`XYLO_NEURON` names, a
subtract reset, ``>=``, up to 31 spikes per step for hidden and 1 for output neurons);
every synapse must saturate per event at 16 bits with int8 weights, and all input (all
recurrent, all output) synapses must share one weight shift, as the chip has one per
group. Events reach a neuron in Xylo's order (inputs by channel, then hidden neurons by
index), which for the emulator is the order of the neuron's incoming edges: the input
synapse first, then recurrent synapses by source population.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from snncompile.ir import Graph, Input, Output
from snncompile.ir.arithmetic import (
    Accumulate,
    DecayEncoding,
    InputTiming,
    MembraneUpdate,
    Overflow,
    StateRange,
)
from snncompile.ir.fixed import FixedLIF, FixedLinear
from snncompile.ir.semantics import Comparator, Reset

#: FixedLIF field -> the value Xylo's neuron has (xylosim 0.1.3 src/v2/cpp/XyloIAFNeuron)
XYLO_NEURON = {
    "decay_encoding": DecayEncoding.SHIFT, "input_timing": InputTiming.BEFORE_DECAY,
    "current_overflow": Overflow.SATURATE, "membrane_update": MembraneUpdate.SATURATE_EACH,
    "state_range": StateRange.TWOS_COMPLEMENT, "state_bits": 16, "decay_bits": 4, "vth_shift": 0, "act_shift": 0,
    "comparator": Comparator.GE, "reset": Reset.SUBTRACT, "graded": False, "output": "spikes",
}
#: spikes per step (XyloIAFNeuron.h MAX_NUM_SPIKES, MAX_NUM_OUT_SPIKES) and input counts
HIDDEN_SPIKES, OUTPUT_SPIKES, INPUT_SPIKES = 31, 1, 15
#: weights are int8; the shifted weight must be an int16 (receiveSpike(int16_t, ...))
WEIGHT_RANGE, SHIFT_RANGE = (-128, 127), (0, 8)


@dataclass
class XyloPlan:
    """Where every population and synapse goes on Xylo, and the simulator's arguments."""

    input: str
    hidden: dict[str, int] = field(default_factory=dict)  # population -> first hidden index
    outputs: dict[str, int] = field(default_factory=dict)  # population -> first output index
    output_nodes: dict[str, str] = field(default_factory=dict)  # Output node -> population
    sizes: dict[str, int] = field(default_factory=dict)
    binary_input: bool = True  # the input synapses read 0/1 spikes (nonzero counts as 1)
    specification: dict = field(default_factory=dict)


def _size(graph: Graph, name: str) -> int:
    return int(np.prod(graph.infer_shapes()[name]))


def _neuron_problems(node: FixedLIF, spikes: int) -> list[str]:
    out = [f"{key}={_show(getattr(node, key))} (Xylo: {_show(value)})"
           for key, value in XYLO_NEURON.items() if getattr(node, key) != value]
    if node.max_spikes != spikes:
        out.append(f"max_spikes={node.max_spikes} (Xylo's {'output' if spikes == 1 else 'hidden'} neurons: {spikes})")
    if node.vth < 1:
        out.append(f"vth={node.vth} (Xylo needs a positive threshold)")
    if np.any(node.bias_exp != 0):
        out.append("bias_exp != 0 (Xylo's bias is an int16 added as it is)")
    if len(node.shape) != 1:
        out.append(f"shape {node.shape} (Xylo's populations are 1-D)")
    return out


def _show(value: object) -> str:
    return str(getattr(value, "value", value))


def _synapse_problems(node: FixedLinear) -> list[str]:
    out = []
    if node.accumulate is not Accumulate.SATURATE or node.accum_bits != 16:
        out.append(f"accumulate={node.accumulate.value}/{node.accum_bits} bits (Xylo: events saturate at 16 bits)")
    if not SHIFT_RANGE[0] <= node.weight_exp <= SHIFT_RANGE[1]:
        out.append(f"weight_exp={node.weight_exp} (Xylo's weight shift: {SHIFT_RANGE[0]}..{SHIFT_RANGE[1]})")
    w = node.effective_weight()
    if w.size and (w.min() < WEIGHT_RANGE[0] or w.max() > WEIGHT_RANGE[1]):
        out.append(f"weights in [{w.min()}, {w.max()}] (Xylo's are int8)")
    if node.delays is not None:
        out.append("per-synapse delays (Xylo has none)")
    return out


def plan_xylo(graph: Graph) -> tuple[XyloPlan | None, dict[str, str]]:
    """The plan, or every node that keeps ``graph`` off Xylo with the reason (one
    phrase per node, joined)."""
    problems: dict[str, list[str]] = {}

    def bad(name: str, why: str) -> None:
        problems.setdefault(name, []).append(why)

    inputs = graph.inputs
    if len(inputs) != 1 or len(graph.nodes[inputs[0]].shape) != 1:  # type: ignore[attr-defined]
        for n in inputs:
            bad(n, "Xylo has one 1-D input (its channels)")
    plan = XyloPlan(input=inputs[0] if inputs else "")
    lifs = [n for n, node in graph.items() if isinstance(node, FixedLIF)]
    out_pops = [n for n in lifs if any(isinstance(graph.nodes[e.dst], Output) for e in graph.outgoing(n))]
    hidden = [n for n in lifs if n not in out_pops]
    for group, names, spikes in ((plan.hidden, hidden, HIDDEN_SPIKES), (plan.outputs, out_pops, OUTPUT_SPIKES)):
        start = 0
        for n in names:
            group[n] = start
            plan.sizes[n] = _size(graph, n)
            start += plan.sizes[n]
            for why in _neuron_problems(graph.nodes[n], spikes):  # type: ignore[arg-type]
                bad(n, why)
    for n in out_pops:
        if any(not isinstance(graph.nodes[e.dst], Output) for e in graph.outgoing(n)):
            bad(n, "an output neuron feeds synapses (Xylo's outputs feed nothing)")
    for name, node in graph.items():
        if isinstance(node, Output):
            srcs = [e for e in graph.incoming(name)]
            if len(srcs) != 1 or srcs[0].src not in plan.outputs or srcs[0].delay:
                bad(name, "an Output must read one output population directly")
            else:
                plan.output_nodes[name] = srcs[0].src
        elif isinstance(node, FixedLinear):
            for why in _synapse_problems(node):
                bad(name, why)
            _place_synapse(graph, name, node, plan, bad)
        elif not isinstance(node, (Input, FixedLIF)):
            bad(name, f"{node.kind} has no place on Xylo (input -> hidden -> output neurons and their synapses)")
    _check_groups(graph, plan, bad)
    _check_order(graph, plan, bad)
    if problems:
        return None, {n: "; ".join(whys) for n, whys in problems.items()}
    plan.specification = _specification(graph, plan)
    return plan, {}


def _place_synapse(graph: Graph, name: str, node: FixedLinear, plan: XyloPlan, bad) -> None:
    ins, outs = graph.incoming(name), graph.outgoing(name)
    if len(ins) != 1 or ins[0].delay or len(outs) != 1:
        bad(name, "a Xylo synapse reads one population (delay 0) and feeds one")
        return
    src, dst, delay = ins[0].src, outs[0].dst, outs[0].delay
    if src == plan.input:
        if dst not in plan.hidden or delay != 0:
            bad(name, "input synapses feed hidden neurons within the step (delay 0)")
        if node.num_message_bits and node.max_payload != INPUT_SPIKES:
            bad(name, f"reads input counts up to {node.max_payload or 'any'} (Xylo clips them at {INPUT_SPIKES})")
        plan.binary_input = plan.binary_input and not node.num_message_bits
    elif src in plan.hidden:
        if dst not in plan.hidden and dst not in plan.outputs or delay != 1:
            bad(name, "hidden spikes reach hidden or output neurons one step later (delay 1)")
        if not node.num_message_bits or 0 < node.max_payload < HIDDEN_SPIKES:
            bad(name, f"must read the hidden neurons' spike counts (up to {HIDDEN_SPIKES} per step)")
    else:
        bad(name, f"reads '{src}', which is neither the input nor a hidden population")


def _synapses(graph: Graph, plan: XyloPlan) -> dict[str, list[tuple[str, str, FixedLinear]]]:
    """Synapse group ('in', 'rec', 'out') -> (source, target, node) in graph order."""
    groups: dict[str, list[tuple[str, str, FixedLinear]]] = {"in": [], "rec": [], "out": []}
    for name, node in graph.items():
        if isinstance(node, FixedLinear) and len(graph.incoming(name)) == 1 and len(graph.outgoing(name)) == 1:
            src, dst = graph.incoming(name)[0].src, graph.outgoing(name)[0].dst
            group = "in" if src == plan.input else ("out" if dst in plan.outputs else "rec")
            groups[group].append((src, dst, node))
    return groups


def _check_groups(graph: Graph, plan: XyloPlan, bad) -> None:
    for group, members in _synapses(graph, plan).items():
        shifts = {node.weight_exp for _, _, node in members}
        if len(shifts) > 1:
            for name, node in graph.items():
                if any(node is m for _, _, m in members):
                    bad(name, f"{group} synapses have weight shifts {sorted(shifts)}; Xylo has one per group")


def _check_order(graph: Graph, plan: XyloPlan, bad) -> None:
    """Every population's incoming edges in Xylo's delivery order (see module docstring)."""
    index = {plan.input: -1, **plan.hidden}
    for pop in [*plan.hidden, *plan.outputs]:
        sources = []
        for e in graph.incoming(pop):
            ins = graph.incoming(e.src)
            sources.append(index.get(ins[0].src, 10**9) if len(ins) == 1 else 10**9)
        if sources != sorted(sources) or len(set(sources)) != len(sources):
            bad(pop, "its synapses are not one per source in Xylo's delivery order (input first, then hidden "
                     "populations in graph order)")


def _specification(graph: Graph, plan: XyloPlan) -> dict:
    n_in = _size(graph, plan.input)
    n_hid = sum(plan.sizes[n] for n in plan.hidden)
    n_out = sum(plan.sizes[n] for n in plan.outputs)
    w_in = np.zeros((n_in, n_hid), np.int64)
    w_rec = np.zeros((n_hid, n_hid), np.int64)
    w_out = np.zeros((n_hid, n_out), np.int64)
    groups = _synapses(graph, plan)
    for _, dst, node in groups["in"]:
        w_in[:, plan.hidden[dst]:plan.hidden[dst] + plan.sizes[dst]] = node.effective_weight().T
    for src, dst, node in groups["rec"]:
        rows, cols = slice(plan.hidden[src], plan.hidden[src] + plan.sizes[src]), \
            slice(plan.hidden[dst], plan.hidden[dst] + plan.sizes[dst])
        w_rec[rows, cols] = node.effective_weight().T
    for src, dst, node in groups["out"]:
        rows, cols = slice(plan.hidden[src], plan.hidden[src] + plan.sizes[src]), \
            slice(plan.outputs[dst], plan.outputs[dst] + plan.sizes[dst])
        w_out[rows, cols] = node.effective_weight().T

    def per_neuron(pops: dict[str, int], value) -> np.ndarray:
        parts = [np.broadcast_to(np.asarray(value(graph.nodes[n])), (plan.sizes[n],)) for n in pops]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def shift(group: str) -> int:
        return groups[group][0][2].weight_exp if groups[group] else 0

    return dict(
        weights_in=w_in[:, :, None], weights_rec=w_rec[:, :, None], weights_out=w_out,
        dash_syn=per_neuron(plan.hidden, lambda n: n.du), dash_syn_2=np.ones(n_hid, np.int64),
        dash_mem=per_neuron(plan.hidden, lambda n: n.dv),
        threshold=per_neuron(plan.hidden, lambda n: n.effective_threshold()),
        bias=per_neuron(plan.hidden, lambda n: n.effective_bias()),
        dash_syn_out=per_neuron(plan.outputs, lambda n: n.du), dash_mem_out=per_neuron(plan.outputs, lambda n: n.dv),
        threshold_out=per_neuron(plan.outputs, lambda n: n.effective_threshold()),
        bias_out=per_neuron(plan.outputs, lambda n: n.effective_bias()),
        weight_shift_in=shift("in"), weight_shift_rec=shift("rec"), weight_shift_out=shift("out"),
    )

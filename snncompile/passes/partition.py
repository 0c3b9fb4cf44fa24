"""partition: label every node of a float graph ``chip`` or ``host`` and group them into
segments, from what the target's cores compute (:class:`Capabilities`).

A node runs on the chip when the chip has an integer form for it and everything around
it allows that:

- neurons of a kind the chip's neuron model runs (Loihi's CUBA LIF runs LIF, IF,
  CubaLIF and, as membrane readouts, LI, CubaLI, Integrator); a readout only when it
  feeds nothing but outputs;
- synapses whose operator the chip has (dense; conv when the target says so), fed only
  by chip spikes, graph inputs or, on a target with graded spikes, host operations whose
  outputs are small integers (:mod:`snncompile.passes.integer_values`: BackEISNN's
  ternary output; they cross as exact graded payloads), and feeding only chip neurons;
  a synapse with
  per-synapse delays only where the target has programmable delays (a delayed
  convolution never: chip convolutions have none);
- data movement (Flatten, Input, Output) goes where its data comes from.

Everything else runs on the host: host operations by definition, float nodes no pass
lowered, and nodes the rules above push off the chip; each gets the reason. A recurrence
whose chip neurons would need more steps than its edges' delays give (every chip neuron
takes its input one synapse stage later: TIM's two-neuron loop closes in one step) runs on
the host, where the float timing holds. The labels are a fixpoint of those rules. Host values enter the chip only at neurons (the quantizer
adds an identity entry synapse and a ``Quantize`` boundary there, see
:mod:`snncompile.passes.add_chip_entries`); chip spikes enter host nodes as 0/1 values.
Segments are the connected groups of same-placement nodes (``chip0``, ``host0``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

import networkx as nx
import numpy as np

from snncompile.ir import Graph, Input, NeuronNode, Node, Output
from snncompile.ir.fixed import GRADED_MESSAGE_BITS
from snncompile.ir.placement import Placement, is_static, placed
from snncompile.ir.stage import Stage
from snncompile.ir.synapse import Synapse
from snncompile.passes.integer_values import fits_payload, integer_ranges

#: the float neuron kinds each neuron model of a target's [features] runs
NEURON_MODELS: dict[str, frozenset[str]] = {
    "cuba_lif": frozenset({"LIF", "IF", "CubaLIF", "LI", "CubaLI", "Integrator"}),
    "lif": frozenset({"LIF", "IF", "LI", "Integrator"}),
    "if": frozenset({"IF", "Integrator"}),
    # Xylo's bit-shift LIF has a synaptic current and spikes (its outputs too)
    "lif_shift_decay": frozenset({"LIF", "IF", "CubaLIF"}),
    # TrueNorth: integrate and fire, the linear leak is a bias
    "if_linear_leak": frozenset({"IF"}),
}

#: why a node kind has no place on a neuromorphic core, and what to do about it
HOST_REASONS: dict[str, str] = {
    "MatMul": "a product of two computed tensors (Q·Kᵀ): its weights change every step, synapses are fixed; "
              "keep it on the host (reassociate (QKᵀ)V to Q(KᵀV) to cut its cost)",
    "Mul": "an elementwise product of two computed tensors (a gate): synapses only scale by fixed weights",
    "Div": "a division by a computed tensor: no core divides",
    "LayerNorm": "normalises by statistics of the current input: no core computes them; use BatchNorm, "
                 "which folds into the weights",
    "RMSNorm": "normalises by the current input's RMS: no core computes it; use BatchNorm, which folds",
    "SelectiveScan": "Mamba's scan has input-dependent decays (Δ, B, C): a core's decays are fixed; "
                     "freeze Δ, B, C to approximate it by leaky integrators",
    "BatchNorm": "a BatchNorm that no Linear/Conv precedes directly cannot fold into weights; "
                 "move it right after a synapse (or next to a neuron, where its scale is a gain)",
    "MaxPool2d": "max over real values has no integer form; over spikes, lower_maxpool makes it a "
                 "sum pool plus a threshold",
    "Scale": "a scaling no pass could fold into a synapse or a threshold",
    "Add": "a sum that no pass could turn into synapses (only spike sums feeding synapses become several "
           "projections)",
    "Threshold": "a threshold without a neuron: make it a neuron without leak",
    "Delay": "a per-neuron delay a pass could not move onto synapses",
    "Constant": "a constant value: enters the chip as a bias only next to a neuron",
    "Mean": "an average over tokens or time of computed values: a synapse could sum them, but the divide and "
            "the real-valued result have no spike form; keep the readout on the host",
    "Exp": "an exponential of computed values: cores only add and shift",
    "ReLU": "a rectifier of real values: a neuron's output is a spike, not its rectified input; use a "
            "non-leaky neuron (IF) if spikes will do",
    "Sigmoid": "a smooth nonlinearity of real values: no core computes it",
    "SiLU": "x·sigmoid(x) of real values: a product and a smooth nonlinearity, no core computes either",
    "GELU": "a smooth nonlinearity of real values: no core computes it",
    "ELU": "an exponential nonlinearity of real values: no core computes it",
    "Softplus": "log(1 + exp(x)) of real values: no core computes it",
    "Sign": "the sign of real values (BackEISNN's E/I of a membrane convolution): the -1/0/+1 result "
            "could travel as a graded spike, but its input is a real value no core sends",
    "Permute": "reorders the axes of host values (on spikes between chip layers it would be routing, "
               "which only chip synapses feeding the permuted layer could do)",
    "Expand": "broadcasts host values to a larger shape: a chip sends each spike once",
    "Concat": "joins host tensors; concatenated spike trains could feed a synapse as separate inputs",
    "Slice": "selects part of a host tensor; on chip, connect the synapse to the selected neurons instead",
}
GENERIC_REASON = "no integer form on this chip"


@dataclass(frozen=True)
class Capabilities:
    """What a target's cores compute: float neuron kinds and synapse operators; and the
    steps each synapse stage adds there (``[fixed_point] synapse_latency``, 1 when the
    target does not say: Loihi's cores)."""

    target: str
    neuron_kinds: frozenset[str]
    synapse_operators: frozenset[str]
    #: programmable per-synapse delays (a target's ``features.delays``)
    delays: bool = True
    synapse_latency: int = 1
    #: signed payload bits a chip synapse takes from the host (0: binary spikes only)
    graded_bits: int = 0

    @classmethod
    def of(cls, target) -> Capabilities:  # snncompile.targets.Target
        features = target.features
        models = set(features.neuron_models) if features is not None else set()
        kinds: set[str] = set()
        for model in models:
            kinds |= NEURON_MODELS.get(model, NEURON_MODELS["cuba_lif"] if model == "programmable" else frozenset())
        operators = {"linear"}
        if features is not None and features.conv:
            operators |= {"conv1d", "conv2d"}
        delays = bool(features is not None and features.delays)
        latency = (getattr(target, "fixed_point", None) or {}).get("synapse_latency")
        graded = GRADED_MESSAGE_BITS if features is not None and features.graded_spikes else 0
        return cls(target.name, frozenset(kinds), frozenset(operators), delays,
                   1 if latency is None else int(getattr(latency, "value", latency)), graded)


@dataclass(frozen=True)
class Partition:
    """The labelled graph and, per host node, why it is not on the chip."""

    graph: Graph
    host_reasons: dict[str, str]

    def host_nodes(self) -> list[str]:
        return list(self.host_reasons)


def partition(graph: Graph, caps: Capabilities) -> Partition:
    """Label ``graph`` (see module docstring); returns a new graph with ``placement`` and
    ``segment`` in every node's meta, and the reason of every host placement."""
    reasons = {name: why for name, node in graph.items() if (why := _intrinsic(node, caps)) is not None}
    payloads = _payload_sources(graph, caps)
    movers = [n for n, node in graph.items() if type(node).stage is Stage.ANY and n not in reasons]
    changed = True
    while changed:
        changed = False
        for name, node in graph.items():
            if name in reasons or name in movers:
                continue
            why = _contextual(graph, name, node, reasons, payloads)
            if why is not None:
                reasons[name] = why
                changed = True
        slow = _slow_recurrences(graph, reasons, caps.synapse_latency)
        changed = changed or bool(slow)
        reasons.update(slow)
    reasons = _place_data_movement(graph, reasons, movers)
    return Partition(_label(graph, reasons), {n: reasons[n] for n in graph.nodes if n in reasons})


def _payload_sources(graph: Graph, caps: Capabilities) -> set[str]:
    """Host operations whose outputs may feed a chip synapse as graded payloads: small
    integers on a target with graded spikes. Not neurons: a neuron on the host (a loop too
    fast for the chip) keeps the synapses it feeds, whose float sum enters the chip through
    an entry at the layer's resolution, finer than 8-bit weights (the trained L2MU's
    output agrees with float on 97.4 % of spikes so, 95.3 % with ``W_m`` on the chip)."""
    if not caps.graded_bits:
        return set()
    return {n for n, r in integer_ranges(graph).items()
            if fits_payload(r, caps.graded_bits) and not isinstance(graph.nodes[n], NeuronNode)}


def _intrinsic(node: Node, caps: Capabilities) -> str | None:
    stage = type(node).stage
    if isinstance(node, Input) and node.carries == "values":
        return "real-valued input: values enter the chip through the host (an entry synapse into a neuron)"
    if is_static(node) and not isinstance(node, Input):
        return "depends only on a static input: computed once per sample on the host, entered as a bias"
    if stage in (Stage.INTEGER, Stage.ANY):
        return None
    if isinstance(node, NeuronNode):
        if node.kind in caps.neuron_kinds:
            return None
        return f"{caps.target}'s neuron model has no {node.kind}"
    if isinstance(node, Synapse):
        if node.operator not in caps.synapse_operators:
            return f"{caps.target} has no {node.operator} synapses"
        if node.max_delay() > 0 and not caps.delays:
            return f"per-synapse delays: {caps.target} has no programmable synaptic delays"
        if node.max_delay() > 0 and node.operator != "linear":
            return "per-synapse delays on a convolution: chip convolutions have no delays"
        return None
    return HOST_REASONS.get(node.kind, GENERIC_REASON)


def _contextual(graph: Graph, name: str, node: Node, reasons: dict[str, str], payloads: set[str]) -> str | None:
    """Why an otherwise chip-capable node must still run on the host (None: it may not).
    ``payloads``: host nodes whose outputs may cross to a chip synapse as graded payloads."""
    if isinstance(node, Synapse) and type(node).stage is Stage.FLOAT:
        for src in _producers(graph, name):
            src_node = graph.nodes[src]
            if src in reasons and src not in payloads:
                return f"its input comes from host node '{src}' ({src_node.kind}); chip synapses take spikes"
            if isinstance(src_node, NeuronNode) and not src_node.spiking:
                return f"its input is the membrane of readout '{src}', not spikes"
        for dst in _consumers(graph, name):
            if not isinstance(graph.nodes[dst], NeuronNode) or dst in reasons:
                return f"it feeds '{dst}' ({graph.nodes[dst].kind}), not a chip neuron"
            if node.operator == "linear" and _scales_tokens(graph.nodes[dst]):
                return (f"'{dst}' scales each token differently: one shared matrix over the features cannot "
                        "(the host applies it and the neuron takes it through an entry)")
    if isinstance(node, NeuronNode) and not node.spiking:
        for dst in _consumers(graph, name):
            if not isinstance(graph.nodes[dst], Output):
                return f"a membrane readout feeding '{dst}' ({graph.nodes[dst].kind}): a chip readout feeds only outputs"
    return None


def _scales_tokens(neuron: Node) -> bool:
    """A multi-axis neuron whose gain or threshold varies along its leading axes."""
    if not isinstance(neuron, NeuronNode) or len(neuron.shape) < 2:
        return False
    d = neuron.dynamics()
    values = [np.broadcast_to(d.gain * d.syn_gain, neuron.shape), np.broadcast_to(getattr(neuron, "threshold", 1.0),
                                                                                 neuron.shape)]
    return any(not np.all(v == v.reshape(-1)[0]) for v in values)


#: cycles examined per strongly connected component (recurrent layers have few)
MAX_CYCLES = 200


def _slow_recurrences(graph: Graph, reasons: dict[str, str], latency: int = 1) -> dict[str, str]:
    """Chip neurons on a cycle with fewer steps of delay than its chip neurons add
    (``latency`` each; none on a target whose synapses add no step)."""
    g = nx.DiGraph()
    for e in graph.edges:
        if not g.has_edge(e.src, e.dst) or g[e.src][e.dst]["delay"] > e.delay:
            g.add_edge(e.src, e.dst, delay=e.delay)
    out: dict[str, str] = {}
    position = {n: i for i, n in enumerate(graph.nodes)}
    for component in nx.strongly_connected_components(g):
        if len(component) < 2 and not any(g.has_edge(n, n) for n in component):
            continue
        sub = g.subgraph(component)
        # networkx yields cycles in an order that follows string hashing (it changes from
        # one Python process to the next); the greedy choice below depends on the order,
        # so take the cycles shortest first, then by graph order: the same placement always
        for cycle in sorted(islice(nx.simple_cycles(sub), MAX_CYCLES), key=lambda c: _cycle_key(c, position)):
            chip = [n for n in cycle if isinstance(graph.nodes[n], NeuronNode) and n not in reasons and n not in out]
            delay = sum(sub[a][b]["delay"] for a, b in zip(cycle, cycle[1:] + cycle[:1]))
            if latency * len(chip) > delay:
                why = (f"a recurrence through {len(chip)} chip neurons with {delay} step(s) of delay: on the chip "
                       "each neuron takes its input a step later, so it would lag; kept on the host (or compile with "
                       "retime_recurrences: the loop gets the delay it lacks, a changed timing)")
                out.update({n: why for n in chip})
    return out


def _cycle_key(cycle: list[str], position: dict[str, int]) -> tuple[int, list[int]]:
    """Shortest first; then the cycle's graph positions, starting at its earliest node."""
    at = [position[n] for n in cycle]
    start = at.index(min(at))
    return len(cycle), at[start:] + at[:start]


def _producers(graph: Graph, name: str) -> list[str]:
    """The nodes feeding ``name``, looking through data movement (not Inputs)."""
    out = []
    for e in graph.incoming(name):
        node = graph.nodes[e.src]
        if type(node).stage is Stage.ANY and not node.source:
            out += _producers(graph, e.src)
        elif not isinstance(node, Input):
            out.append(e.src)
    return out


def _consumers(graph: Graph, name: str) -> list[str]:
    out = []
    for e in graph.outgoing(name):
        node = graph.nodes[e.dst]
        if type(node).stage is Stage.ANY and not isinstance(node, Output):
            out += _consumers(graph, e.dst)
        else:
            out.append(e.dst)
    return out


def _place_data_movement(graph: Graph, reasons: dict[str, str], movers: Iterable[str]) -> dict[str, str]:
    """Inputs, Outputs, Flatten, Constant go where their data is used or comes from."""
    reasons = dict(reasons)
    order = graph.step_order()
    for name in order:
        node = graph.nodes[name]
        if name not in movers:
            continue
        if node.source:
            users = [e.dst for e in graph.outgoing(name)]
            if users and all(u in reasons for u in users):
                reasons[name] = "its data is used only on the host"
            elif isinstance(node, Input) and any(_is_chip_neuron(graph, u, reasons) for u in users):
                reasons[name] = "it feeds a neuron directly: the value enters the chip through an entry synapse"
            elif not isinstance(node, Input) and not node.spiking:  # spike sources enter the chip like input spikes
                reasons[name] = HOST_REASONS["Constant"]
        elif any(e.src in reasons for e in graph.incoming(name)):
            reasons[name] = "its data comes from the host"
    return reasons


def _is_chip_neuron(graph: Graph, name: str, reasons: dict[str, str]) -> bool:
    return isinstance(graph.nodes[name], NeuronNode) and name not in reasons


def _label(graph: Graph, reasons: dict[str, str]) -> Graph:
    where = {n: Placement.HOST if n in reasons else Placement.CHIP for n in graph.nodes}
    g = nx.Graph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e.src, e.dst) for e in graph.edges if where[e.src] is where[e.dst])
    segment: dict[str, str] = {}
    counts = {Placement.CHIP: 0, Placement.HOST: 0}
    position = {n: i for i, n in enumerate(graph.nodes)}
    for component in sorted(nx.connected_components(g), key=lambda c: min(position[n] for n in c)):
        kind = where[next(iter(component))]
        label = f"{kind.value}{counts[kind]}"
        counts[kind] += 1
        segment.update({n: label for n in component})
    nodes = {n: placed(node, where[n], segment[n]) for n, node in graph.items()}
    return Graph(nodes, list(graph.edges), graph.dt)

"""Write a fixed (integer) IR graph as a netx ``.net`` file that ``netx.hdf5.Network``
runs to the same spikes, bit for bit.

netx holds a chain of layers: ``Input -> [Flatten] -> synapse -> FixedLIF [-> recurrent
FixedLinear -> same FixedLIF] -> ... -> Output``, each layer one FixedLinear (``dense``,
or ``dense_rec`` with its recurrent matrix) or FixedConv2d (``conv``) into one Lava LIF.
What it cannot hold is refused with one UnsupportedError line that names every node
and reason (:func:`netx_problems`):

- any node that is not ``FixedLIF``/``FixedLinear``/``FixedConv2d``/``Input``/``Output``/
  ``Flatten`` (float "host" nodes of a mixed graph included) — :func:`node_problem`;
- neurons Lava's LIF cannot run (subtract or no reset, ``>=``, graded spikes, membrane
  readouts, other bit widths), biases that are not ``B << 6`` with 13-bit ``B`` (netx
  fixes ``bias_exp = 6``);
- weights netx's 8-bit encoding does not keep exactly (after folding ``weight_exp`` into
  them), graded input, delays on conv or dense_rec layers, delays above 62;
- anything but a chain (branches, several inputs or outputs, a bias source).

File layout (SLAYER's ``export_hdf5`` layout; ``dt`` is kept as a root attribute, which
netx ignores): ``/layer/<i>/{type, shape, weight[, weight_rec], [bias], [delay],
neuron/{type, iDecay, vDecay, vThMant, refDelay, gradedSpike}}`` plus conv's
``{stride, padding, dilation, groups}``; ``iDecay = du + 1``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from snncompile import __version__
from snncompile.errors import UnsupportedError
from snncompile.fileio import atomic_path
from snncompile.interop.netx import encoding as enc
from snncompile.ir import Flatten, Graph, Input, Node, Output
from snncompile.ir.fixed import SYNAPSE_LATENCY, FixedConv2d, FixedLIF, FixedLinear, FixedSynapse
from snncompile.ir.semantics import Comparator, Reset

#: Lava's LIF widths (``lava/proc/lif/models.py`` fixed_pt), which netx always uses
LIF_BITS = {"state_bits": 24, "decay_bits": 12, "vth_bits": 17, "bias_bits": 13, "vth_shift": 6, "act_shift": 6}


def _lif_problems(node: FixedLIF) -> list[str]:
    out = []
    if node.reads_membrane:
        out.append("a membrane readout (netx runs every layer as a spiking LIF)")
    else:
        if node.reset is not Reset.ZERO:
            out.append(f"reset '{node.reset.value}' (Lava's LIF only resets to zero)")
        if node.comparator is not Comparator.GT:
            out.append("comparator '>=' (Lava's LIF fires on v > threshold)")
    if node.graded:
        out.append("graded spikes (netx layers send binary spikes)")
    if node.refractory:
        out.append(f"refractory period {node.refractory} (netx 0.6.0 ignores refDelay: its LIF has none)")
    out += [f"{k}={getattr(node, k)} (netx's LIF has {v})" for k, v in LIF_BITS.items() if getattr(node, k) != v]
    bias = node.effective_bias()
    mant = bias >> enc.BIAS_EXP
    if np.any(bias % (1 << enc.BIAS_EXP)) or np.any(mant < -4096) or np.any(mant > 4095):
        out.append(f"bias {np.unique(bias)[:3].tolist()}... is not B << {enc.BIAS_EXP} with B in [-4096, 4095] "
                   f"(netx fixes bias_exp = {enc.BIAS_EXP})")
    return out


def _synapse_problems(node: FixedSynapse) -> list[str]:
    out = []
    accum = 24 if isinstance(node, FixedConv2d) else 32
    if node.accum_bits != accum:
        out.append(f"accum_bits={node.accum_bits} (Lava's {'Conv' if accum == 24 else 'Dense'} has {accum})")
    if node.weight_bits != 8:
        out.append(f"weight_bits={node.weight_bits} (netx's synapses hold 8)")
    return out


def _no_problems(node: Node) -> list[str]:
    return []


#: the node kinds a netx file can hold, each with what disqualifies one of them
NODE_RULES: dict[type, Callable[[Any], list[str]]] = {
    FixedLIF: _lif_problems, FixedLinear: _synapse_problems, FixedConv2d: _synapse_problems,
    Input: _no_problems, Output: _no_problems, Flatten: _no_problems,
}


NOT_HELD = ("not integer nodes netx can hold (a netx file holds only FixedLIF, FixedLinear, FixedConv2d, Input, "
            "Output and Flatten; compile the model for loihi2 first)")


def node_problem(name: str, node: Node) -> list[str]:
    """Why ``node`` cannot be part of a netx file ([] when it can, on its own). The one
    place that decides which node kinds netx holds."""
    rule = NODE_RULES.get(type(node))
    where = f"node '{name}' ({node.kind})"
    if rule is None:
        return [f"{where}: {NOT_HELD}"]
    return [f"{where}: {p}" for p in rule(node)]


@dataclass
class Layer:
    """One netx layer: ``flatten`` (``node``), or a synapse into a neuron population."""

    kind: str  # "flatten", "dense", "dense_rec", "conv"
    node: str
    synapse: str | None = None
    recurrent: str | None = None
    delays: np.ndarray | None = None  # (out, in), total extra delay per synapse


def netx_problems(graph: Graph) -> list[str]:
    """Every reason ``graph`` cannot be written as a netx file ([] when it can)."""
    foreign = [f"'{name}' ({node.kind})" for name, node in graph.items() if type(node) not in NODE_RULES]
    if foreign:
        return [f"node{'s' if len(foreign) > 1 else ''} {', '.join(foreign)}: {NOT_HELD}"]
    problems = [p for name, node in graph.items() for p in node_problem(name, node)]
    try:
        layers = chain_layers(graph)
    except UnsupportedError as exc:
        return [str(exc), *problems]
    if problems:
        return problems
    for layer in layers:
        problems += _layer_problems(graph, layer)
    return problems


def chain_layers(graph: Graph) -> list[Layer]:  # noqa: C901
    """The graph as netx's chain of layers; UnsupportedError naming the node that breaks it."""
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise UnsupportedError(f"netx holds one input and one output, found inputs {graph.inputs} and outputs {graph.outputs}")
    layers: list[Layer] = []
    current = graph.inputs[0]
    while True:
        node = graph.nodes[current]
        nexts = [e for e in graph.outgoing(current) if not _is_recurrent(graph, current, e.dst)]
        if isinstance(node, Output):
            return layers
        if len(nexts) != 1:
            raise UnsupportedError(f"node '{current}' ({node.kind}) feeds {len(nexts)} nodes "
                                   f"{[e.dst for e in nexts]}; netx holds a chain of layers")
        edge = nexts[0]
        succ = graph.nodes[edge.dst]
        if isinstance(succ, Output):
            if not isinstance(node, FixedLIF) or edge.delay:
                raise UnsupportedError(f"output '{edge.dst}' must read the last neuron layer directly, found '{current}'")
            current = edge.dst
            continue
        if len(graph.incoming(edge.dst)) != 1:
            raise UnsupportedError(f"node '{edge.dst}' ({succ.kind}) has {len(graph.incoming(edge.dst))} inputs; "
                                   "netx layers read only the layer before them")
        if isinstance(succ, Flatten):
            if edge.delay:
                raise UnsupportedError(f"node '{edge.dst}' (Flatten): delay {edge.delay} on its input edge")
            layers.append(Layer("flatten", edge.dst))
            current = edge.dst
            continue
        if not isinstance(succ, FixedSynapse):
            raise UnsupportedError(f"node '{edge.dst}' ({succ.kind}) after '{current}': netx expects a synapse")
        layers.append(_synapse_layer(graph, edge.dst, edge.delay))
        current = layers[-1].node


def _is_recurrent(graph: Graph, neuron: str, syn: str) -> bool:
    node = graph.nodes[syn]
    outs = graph.outgoing(syn)
    return isinstance(node, FixedLinear) and len(outs) == 1 and outs[0].dst == neuron and isinstance(
        graph.nodes[neuron], FixedLIF)


def _synapse_layer(graph: Graph, syn: str, in_delay: int) -> Layer:
    node = graph.nodes[syn]
    outs = graph.outgoing(syn)
    if len(outs) != 1 or not isinstance(graph.nodes[outs[0].dst], FixedLIF):
        raise UnsupportedError(f"node '{syn}' ({node.kind}) must feed exactly one FixedLIF, found {[e.dst for e in outs]}")
    lif, out_delay = outs[0].dst, outs[0].delay
    if out_delay < SYNAPSE_LATENCY:
        raise UnsupportedError(f"node '{syn}' ({node.kind}): edge to '{lif}' has delay {out_delay}; every Loihi "
                               f"synapse adds {SYNAPSE_LATENCY} step")
    ins = [e.src for e in graph.incoming(lif) if e.src != syn]
    recurrent = [s for s in ins if _is_recurrent(graph, lif, s) and graph.incoming(s)[0].src == lif]
    others = [s for s in ins if s not in recurrent]
    if others or len(recurrent) > 1:
        raise UnsupportedError(f"node '{lif}' (FixedLIF) is fed by {[syn, *ins]}; a netx layer has one synapse "
                               "(plus one recurrent matrix)")
    extra = in_delay + out_delay - SYNAPSE_LATENCY
    delays = None
    if isinstance(node, FixedLinear):
        delays = np.full(node.weight.shape, extra, np.int64) + (0 if node.delays is None else node.delays)
    elif extra:
        delays = np.full((1, 1), extra, np.int64)  # reported by _layer_problems
    kind = "conv" if isinstance(node, FixedConv2d) else ("dense_rec" if recurrent else "dense")
    return Layer(kind, lif, syn, recurrent[0] if recurrent else None, delays)


def _layer_problems(graph: Graph, layer: Layer) -> list[str]:  # noqa: C901
    if layer.kind == "flatten":
        node = graph.nodes[layer.node]
        shapes = graph.infer_shapes()
        n_in = len(graph.input_shape(layer.node, shapes))
        if (node.start_dim % n_in, node.end_dim % n_in) != (0, n_in - 1):  # type: ignore[attr-defined]
            return [f"node '{layer.node}' (Flatten): only a full flatten of (C, H, W) is a netx flatten layer"]
        return []
    assert layer.synapse is not None
    where = f"node '{layer.synapse}' ({graph.nodes[layer.synapse].kind})"
    syn = graph.nodes[layer.synapse]
    problems = []
    src = graph.incoming(layer.synapse)[0].src
    if isinstance(graph.nodes[src], Input) and syn.num_message_bits:  # type: ignore[attr-defined]
        problems.append(f"{where}: graded input (netx's input_message_bits is an argument of hdf5.Network, "
                        "not part of the file)")
    if layer.delays is not None and np.any(layer.delays):
        if layer.kind == "conv":
            problems.append(f"{where}: delay on a conv layer (netx 0.6.0 ignores conv delays)")
        elif layer.kind == "dense_rec":
            problems.append(f"{where}: delay into a recurrent layer (netx 0.6.0 applies it to the recurrent synapse "
                            "too and drops the weight exponent there)")
        elif layer.delays.max() > enc.MAX_DELAY:
            problems.append(f"{where}: total delay {layer.delays.max()} > {enc.MAX_DELAY} (netx's DelayDense)")
    if layer.recurrent is not None:
        rec = graph.nodes[layer.recurrent]
        rdelay = [e.delay for e in graph.outgoing(layer.recurrent)][0] + graph.incoming(layer.recurrent)[0].delay
        if rdelay != SYNAPSE_LATENCY or (rec.delays is not None and np.any(rec.delays)):  # type: ignore[attr-defined]
            problems.append(f"node '{layer.recurrent}' (FixedLinear): recurrent delay beyond one step "
                            "(netx's dense_rec has none)")
    try:
        _layer_weights(graph, layer)
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
    return problems


def file_weight(node: FixedSynapse) -> np.ndarray:
    """The integer weights the synapse multiplies with, exponent folded in (what netx's
    file holds); ValueError when a negative exponent would floor sums of them."""
    w = node.effective_weight()
    if node.weight_exp >= 0:
        return w << node.weight_exp
    step = 1 << -node.weight_exp
    if np.any(w % step):
        raise ValueError(f"weight_exp={node.weight_exp} floors the summed input (netx's weights have no exponent)")
    return w >> -node.weight_exp


def _layer_weights(graph: Graph, layer: Layer) -> dict[str, np.ndarray]:
    """File datasets of a synapse layer, checked to encode exactly (ValueError if not)."""
    assert layer.synapse is not None
    syn = graph.nodes[layer.synapse]
    weight = file_weight(syn)  # type: ignore[arg-type]
    if layer.kind == "conv":
        again = FixedConv2d(weight=weight)
        if not np.array_equal(again.effective_weight(), weight):
            raise ValueError(f"weights in [{weight.min()}, {weight.max()}] after folding weight_exp="
                             f"{syn.weight_exp} do not fit an 8-bit Loihi synapse exactly")  # type: ignore[attr-defined]
        return {"weight": weight}
    if layer.recurrent is None:
        enc.exact_dense_fields(weight)
        return {"weight": weight}
    rec = file_weight(graph.nodes[layer.recurrent])  # type: ignore[arg-type]
    joint = enc.dense_encoding(np.hstack([weight, rec]))
    for part, piece in ((weight, joint.weight[:, : weight.shape[1]]), (rec, joint.weight[:, weight.shape[1]:])):
        enc.exact_dense_fields(part, enc.DenseEncoding(piece, joint.num_weight_bits, joint.weight_exp, joint.scale_bits))
    return {"weight": weight, "weight_rec": rec}


def write_netx(graph: Graph, path: str | os.PathLike) -> None:
    """Write ``graph`` (a fixed graph) as a netx file, atomically; UnsupportedError
    listing every node and reason when netx cannot hold it."""
    graph.validate()
    problems = netx_problems(graph)
    if problems:
        head = "netx cannot hold this graph"
        raise UnsupportedError(f"{head}: {problems[0]}" if len(problems) == 1
                               else f"{head} ({len(problems)} problems): " + "; ".join(problems))
    import h5py

    layers = chain_layers(graph)
    shapes = graph.infer_shapes()
    with atomic_path(path, suffix=".net") as tmp:
        with h5py.File(tmp, "w") as handle:
            handle.attrs["dt"] = float(graph.dt)
            handle.attrs["writer"] = f"snncompile {__version__}"
            root = handle.create_group("layer")
            _write_input(root.create_group("0"), shapes[graph.inputs[0]])
            for i, layer in enumerate(layers, start=1):
                _write_layer(root.create_group(str(i)), graph, layer, shapes)


def _type(group: Any, name: str) -> None:
    group.create_dataset("type", (1,), "S10", [name.encode("ascii")])


def _write_input(group: Any, shape) -> None:
    _type(group, "input")
    group.create_dataset("shape", data=np.array(shape, np.int64))


def _write_layer(group: Any, graph: Graph, layer: Layer, shapes) -> None:
    _type(group, layer.kind)
    if layer.kind == "flatten":
        group.create_dataset("shape", data=np.array([int(np.prod(shapes[layer.node])), 1, 1], np.int64))
        return
    lif = graph.nodes[layer.node]
    assert isinstance(lif, FixedLIF)
    group.create_dataset("shape", data=np.array(lif.shape, np.int64))
    for key, value in _layer_weights(graph, layer).items():
        group.create_dataset(key, data=value.astype(np.int64))
    syn = graph.nodes[layer.synapse]  # type: ignore[index]
    if isinstance(syn, FixedConv2d):
        for key in ("stride", "padding", "dilation"):
            group.create_dataset(key, data=np.array(getattr(syn, key), np.int64))
        group.create_dataset("groups", data=np.int64(syn.groups))
    if layer.delays is not None and np.any(layer.delays):
        group.create_dataset("delay", data=_compact_delay(layer.delays))
    bias = lif.effective_bias() >> enc.BIAS_EXP
    if np.any(bias):
        group.create_dataset("bias", data=_file_bias(bias))
    neuron = group.create_group("neuron")
    _type(neuron, "CUBA")
    for key, number in (("iDecay", lif.du + 1), ("vDecay", lif.dv), ("vThMant", lif.vth), ("refDelay", 1)):
        neuron.create_dataset(key, data=np.int64(number))
    neuron.create_dataset("gradedSpike", data=False)


def _compact_delay(delays: np.ndarray) -> np.ndarray | np.int64:
    """A scalar when uniform, one per output neuron when rows are constant (netx reads a
    vector of the output count per row first), else the (out, in) matrix."""
    if np.all(delays == delays.flat[0]):
        return np.int64(delays.flat[0])
    if np.all(delays == delays[:, :1]):
        return delays[:, 0].astype(np.int64)
    return delays.astype(np.int64)


def _file_bias(bias: np.ndarray) -> np.ndarray:
    """Per neuron; a conv layer's per channel when constant over (H, W), else in Lava's
    (W, H, C) order (netx's convention)."""
    if bias.ndim == 1:
        return bias.astype(np.int64)
    if np.all(bias == bias[:, :1, :1]):
        return bias[:, 0, 0].astype(np.int64)
    return np.ascontiguousarray(np.transpose(bias, (2, 1, 0))).astype(np.int64)


__all__ = ["write_netx", "netx_problems", "node_problem", "chain_layers", "file_weight", "NODE_RULES"]

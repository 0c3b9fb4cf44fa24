"""``snncompile inspect MODEL``: the nodes, shapes, parameters and neuron semantics."""

from __future__ import annotations

import argparse

from snncompile.cli.common import add_model_arguments, model_from_args
from snncompile.cli.output import table

NAME = "inspect"
HELP = "show a model's nodes, shapes, parameters and neuron semantics"
EXAMPLES = """
snncompile inspect model.nir --from snntorch
snncompile inspect "net.py:make_net" --weights net.pt --input-shape 2,34,34
snncompile inspect zoo:spikformer --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)


def _semantics(node) -> str:
    from snncompile.ir import NeuronNode, SpikingNeuron
    from snncompile.ir.fixed import FixedLIF

    if isinstance(node, FixedLIF):  # integer fields, no float dynamics
        head = f"du={node.du} dv={node.dv} bias={_short(node.effective_bias())}"
        if node.reads_membrane:
            return f"{head} output=v (membrane readout, float = v / {node.scale:g})"
        return (f"{head} v{node.comparator.value}{node.effective_threshold()} reset={node.reset.value}"
                + (f" refractory={node.refractory}" if node.refractory else ""))
    if not isinstance(node, NeuronNode):
        return ""
    d = node.dynamics()
    parts = []
    if d.has_current:
        parts.append(f"syn_decay={_short(d.syn_decay)}")
    parts.append(f"decay={_short(d.decay)} gain={_short(d.gain)} bias={_short(d.bias)}")
    if isinstance(node, SpikingNeuron):
        parts.append(
            f"v{node.comparator.value}{_short(node.threshold)} reset={node.reset.value}"
            f"({node.reset_timing.value}) v_reset={_short(node.v_reset)}"
            + (f" refractory={node.refractory}" if node.refractory else "")
        )
    return " ".join(parts)


def _short(a) -> str:
    flat = a.reshape(-1)
    if flat.size == 1 or (flat == flat[0]).all():
        return f"{float(flat[0]):.6g}"
    return f"[{float(flat.min()):.3g}..{float(flat.max()):.3g}]"


def run(args: argparse.Namespace) -> dict:
    graph = model_from_args(args)
    rows = graph.summary()
    for row in rows:
        row["semantics"] = _semantics(graph.nodes[row["name"]])
    edges = [{"src": e.src, "dst": e.dst, "delay": e.delay} for e in graph.edges]
    return {"model": args.model, "dt": graph.dt, "nodes": rows, "edges": edges,
            "input_nodes": list(graph.inputs), "output_nodes": list(graph.outputs)}


def render(result: dict) -> str:
    head = f"{result['model']}  dt={result['dt']:g} s  input_nodes={result['input_nodes']} output_nodes={result['output_nodes']}"
    nodes = table(result["nodes"], ["name", "kind", "input_shape", "output_shape", "params", "semantics"])
    delayed = [e for e in result["edges"] if e["delay"]]
    tail = ""
    if delayed:
        tail = "\n\n" + table(delayed, title="delayed edges (steps)")
    return f"{head}\n\n{nodes}{tail}"

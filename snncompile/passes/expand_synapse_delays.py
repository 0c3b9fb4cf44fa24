"""expand_synapse_delays: a synapse with per-synapse delays as one synapse per distinct
delay, each reaching its consumers that many steps later.

With ``W_d = W · [D = d]`` (the weights whose delay is ``d``)::

    y[t] = sum_d W_d ⊛ x[t - d] + b     ==     sum_d  (W_d ⊛ x)[t - d]  + b

so the synapse becomes branches ``W_d`` (no delays) whose edges to every consumer carry
``d`` more steps (the Σ_d Delay_d(W_d x) form: NIR's Delay is per neuron, so this is
how per-synapse delays are written to NIR). The bias is never delayed: it stays on the
branch of delay 0 (added, with zero weights, when no weight has delay 0). That branch,
or else the one of the smallest delay, keeps the node's name; the others are named
``<name>_d<d>``. Every branch records ``origin`` = this pass from the node (see
:mod:`snncompile.ir.placement`), so a writer can say which node it came from. Exact.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Graph, Node
from snncompile.ir.placement import ORIGIN, with_origin
from snncompile.ir.synapse import is_float_synapse, synapse_of

PASS = "expand_synapse_delays"


def expand_synapse_delays(graph: Graph) -> Graph:
    delayed = [n for n, node in graph.items() if is_float_synapse(node) and synapse_of(graph, n).max_delay() > 0]
    if not delayed:
        return graph
    nodes: dict[str, Node] = {}
    branches: dict[str, list[tuple[str, int]]] = {}
    taken = set(graph.nodes)
    for name, node in graph.items():
        if name not in delayed:
            nodes[name] = node
            continue
        groups = node.delay_groups()  # type: ignore[attr-defined]
        bias = node.synapse_bias()  # type: ignore[attr-defined]
        if bias is not None and groups[0][0] != 0:
            groups.insert(0, (0, np.zeros_like(node.weight)))  # type: ignore[attr-defined]
        branches[name] = []
        for k, (d, weight) in enumerate(groups):
            branch = name if k == 0 else _free(taken, f"{name}_d{d}")
            taken.add(branch)
            part = node.replace(weight=weight, delays=None, bias=bias if d == 0 else None)
            nodes[branch] = with_origin(part, PASS, [name], delay=d)
            branches[name].append((branch, d))
    edges = []
    for e in graph.edges:
        ins = [(b, 0) for b, _ in branches[e.dst]] if e.dst in branches else [(e.dst, 0)]
        outs = branches[e.src] if e.src in branches else [(e.src, 0)]
        edges += [e.replace(src=src, dst=dst, delay=e.delay + d) for src, d in outs for dst, _ in ins]
    return Graph(nodes, edges, graph.dt)


def _free(taken: set[str], base: str) -> str:
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    return name


def branch_hints(graph: Graph) -> dict[str, tuple[str, int]]:
    """Branch name -> (the synapse it came from, its delay) for every node this pass made
    (what :func:`~snncompile.passes.merge_delay_branches.merge_delay_branches` takes)."""
    out = {}
    for name, node in graph.items():
        origin = node.meta.get(ORIGIN) or {}
        if origin.get("pass") == PASS:
            out[name] = (str(origin["from"][0]), int(origin["delay"]))
    return out

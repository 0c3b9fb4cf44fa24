"""IR -> NIR: ``to_nir(graph)`` builds a ``nir.NIRGraph``, ``write_nir`` writes it.

What NIR cannot say goes to metadata hints (see :mod:`.semantics`): the graph's ``dt``,
discretisation and node order; per node the reset mode and timing, the comparator,
original parameter shapes. Per-synapse delays: NIR's Delay is per neuron, so a synapse
with delays is written as one synapse per distinct delay ``d`` whose output reaches the
consumers ``d`` steps later (Σ_d Delay_d(W_d x), :mod:`snncompile.passes.expand_synapse_delays`;
each branch has the hint ``synapse_delays = [synapse, d]``, which :func:`.read.read_nir`
uses to merge them back). Edge delays: NIR edges have none, and a reader gives each
cycle's back edge one step (:mod:`.cycles`). So an edge is written as a plain edge when
its delay is that implicit one (1 on a back edge, 0 elsewhere); any other delay becomes
a NIR Delay node of ``(delay - implicit) * dt`` seconds on that edge (hint
``edge_delay``, folded back into the edge by :func:`.read.read_nir`). A back edge with
delay 0 cannot be written (NIR would delay it): UnsupportedError.

``dialect="snntorch"`` (``norse``, ``sinabs``, ``spikingjelly``, ``rockpool``) writes for
that framework's own importer (:mod:`.importers`): at the dt and discretisation it
assumes, with its quirks, and a warning naming each field of a node it will drop.

``nested=True`` writes dotted names (``lif1.lif``, ``lif1.w_rec``) as NIR subgraphs
(``lif1`` holding ``lif`` and ``w_rec`` between its own Input and Output nodes), the
form of the NIR paper's ``*_subgraph.nir`` files; each group needs one entry node and
one exit node.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import nir
import numpy as np

from snncompile.errors import UnsupportedError
from snncompile.fileio import atomic_path
from snncompile.interop.nir.codecs import WRITERS
from snncompile.interop.nir.context import WriteContext
from snncompile.interop.nir.cycles import back_edges
from snncompile.interop.nir.importers import dropped, get_importer
from snncompile.interop.nir.semantics import parse_choice, read_hints, with_hints
from snncompile.ir import Graph, Shape
from snncompile.passes.expand_synapse_delays import branch_hints, expand_synapse_delays
from snncompile.passes.move_delay_past_synapse import move_delay_past_synapse, sends_zero_to_zero

FORMAT_HINT = {"format": "snncompile", "version": 1}


def write_nir(graph: Graph, path: str | os.PathLike, nested: bool = False, discretization: str = "euler",
              dialect: str | None = None) -> None:
    """Write ``graph`` as a NIR file (atomically); see :func:`to_nir`."""
    result = to_nir(graph, nested=nested, discretization=discretization, dialect=dialect)
    with atomic_path(path, suffix=".nir") as tmp:
        nir.write(tmp, result)


def to_nir(graph: Graph, nested: bool = False, discretization: str = "euler", dialect: str | None = None) -> nir.NIRGraph:
    """The NIR form of ``graph`` (flat, or with dotted names nested when ``nested``;
    for ``dialect``'s importer when given)."""
    graph = expand_synapse_delays(graph.validate())
    branches = branch_hints(graph)
    graph = _delays_on_back_edges(graph)
    method = parse_choice("discretization", discretization, "to_nir")
    spec = get_importer(dialect) if dialect else None
    if spec:  # per-step coefficients written as time constants at the importer's dt
        graph = Graph(dict(graph.nodes), list(graph.edges), spec.dt or graph.dt)
        method = spec.discretization
        for name, node in graph.items():
            for line in dropped(spec, name, node):
                warnings.warn(line, stacklevel=3)
    shapes = graph.infer_shapes()
    names = list(graph.nodes)
    nodes: dict[str, Any] = {name: _write_node(graph, name, shapes, method) for name in names}
    for name, (synapse, delay) in branches.items():
        with_hints(nodes[name], {**read_hints(nodes[name].metadata), "synapse_delays": [synapse, delay]})
    if spec:
        nodes = {name: _fixed(node, spec.fixes.get(type(node)), graph.dt) for name, node in nodes.items()}
    edges = _write_edges(graph, shapes, nodes)
    hints = {**FORMAT_HINT, "dt": graph.dt, "discretization": method, "node_order": names}
    if not nested:
        return with_hints(nir.NIRGraph(nodes=nodes, edges=edges, type_check=False, metadata={}), hints)
    shape_of = {**shapes, **{n: tuple(np.shape(v.delay)) for n, v in nodes.items() if n not in shapes}}
    top_nodes, top_edges = _nest(nodes, edges, shape_of, in_shapes={n: graph.input_shape(n, shapes) for n in names})
    result = with_hints(nir.NIRGraph(nodes=top_nodes, edges=top_edges, type_check=False, metadata={}), hints)
    _check_nested(graph, result)
    return result


def _fixed(node: Any, fix: Any, dt: float) -> Any:
    if fix is None:
        return node
    for key, value in fix(node, dt).items():
        setattr(node, key, value)
    return node


def _delays_on_back_edges(graph: Graph) -> Graph:
    """Where a cycle's back edge has no delay but leaves a zero-preserving synapse whose
    inputs are all delayed, move that step past the synapse (exact; see the pass)."""
    for _ in range(len(graph.edges)):
        back, _order = back_edges(list(graph.nodes), [(e.src, e.dst) for e in graph.edges], graph.inputs)
        movable = [graph.edges[i].src for i in sorted(back) if graph.edges[i].delay == 0
                   and sends_zero_to_zero(graph.nodes[graph.edges[i].src])
                   and all(e.delay >= 1 for e in graph.incoming(graph.edges[i].src))]
        if not movable:
            return graph
        graph = move_delay_past_synapse(graph, movable[0])
    return graph


def _write_node(graph: Graph, name: str, shapes: dict[str, Shape], method: str) -> Any:
    node = graph.nodes[name]
    writer = WRITERS.get(type(node))
    if writer is None:
        raise UnsupportedError(
            f"node '{name}' ({node.kind}) has no NIR equivalent; NIR 1.0.8 has no {node.kind} "
            "(fold or replace it before exporting)"
        )
    ctx = WriteContext(name, node, graph.dt, method, graph.input_shape(name, shapes), shapes[name])
    return with_hints(writer(node, ctx), ctx.hints)


def _write_edges(graph: Graph, shapes: dict[str, Shape], nodes: dict[str, Any]) -> list[tuple[str, str]]:
    """Plain edges where the delay is NIR's implicit one; a Delay node elsewhere."""
    back, _ = back_edges(list(graph.nodes), [(e.src, e.dst) for e in graph.edges], graph.inputs)
    edges: list[tuple[str, str]] = []
    for i, e in enumerate(graph.edges):
        implicit = 1 if i in back else 0
        if e.delay == implicit:
            edges.append((e.src, e.dst))
            continue
        if e.delay < implicit:
            raise UnsupportedError(
                f"edge {e.src} -> {e.dst} closes a cycle (it is the back edge of a walk from the inputs) but "
                "has delay 0; NIR readers give that edge one step of delay: put the cycle's delay on this edge"
            )
        name = _delay_name(e.src, e.dst, nodes)
        seconds = np.full(shapes[e.src], (e.delay - implicit) * graph.dt)
        nodes[name] = with_hints(nir.Delay(delay=seconds), {"edge_delay": True})
        edges += [(e.src, name), (name, e.dst)]
    return edges


def _delay_name(src: str, dst: str, taken: dict[str, Any]) -> str:
    """``delay_<src>_<dst>`` inside the deepest group both ends share (so nesting keeps
    an inner edge's delay inside its subgraph)."""
    a, b = src.split(".")[:-1], dst.split(".")[:-1]
    common = []
    for x, y in zip(a, b):
        if x != y:
            break
        common.append(x)
    prefix = "".join(f"{c}." for c in common)
    base = prefix + f"delay_{src}_{dst}".replace(".", "_")
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    return name


def _nest(nodes: dict[str, Any], edges: list[tuple[str, str]], shape_of: dict[str, Shape],
          in_shapes: dict[str, Shape], where: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Group names ``head.rest`` into a subgraph ``head`` (recursively)."""
    groups: dict[str, list[str]] = {}
    for name in nodes:
        head, dot, _ = name.partition(".")
        if dot:
            groups.setdefault(head, []).append(name)
    clash = [h for h in groups if h in nodes]
    if clash:
        raise UnsupportedError(f"cannot nest: '{where}{clash[0]}' is both a node and a group of dotted names")
    owner = {m: head for head, members in groups.items() for m in members}
    out_nodes: dict[str, Any] = {}
    for name, node in nodes.items():
        group = owner.get(name)
        if group is None:
            out_nodes[name] = node
        elif group not in out_nodes:
            out_nodes[group] = _subgraph(group, groups[group], nodes, edges, shape_of, in_shapes, where)
    out_edges = []
    for a, b in edges:
        ha, hb = owner.get(a, a), owner.get(b, b)
        if not (ha == hb and ha in groups):
            out_edges.append((ha, hb))
    return out_nodes, out_edges


def _subgraph(head, members, nodes, edges, shape_of, in_shapes, where):
    inside = set(members)
    label = f"{where}{head}"
    entries = sorted({b for a, b in edges if b in inside and a not in inside})
    exits = sorted({a for a, b in edges if a in inside and b not in inside})
    if len(entries) != 1 or len(exits) != 1:
        raise UnsupportedError(
            f"cannot nest group '{label}': NIR subgraphs have one Input and one Output, but edges enter "
            f"{entries} and leave {exits}; write it flat (nested=False)"
        )
    if any(isinstance(nodes[m], (nir.Input, nir.Output)) for m in members):
        raise UnsupportedError(f"cannot nest group '{label}': it holds a graph Input or Output node")
    strip = len(head) + 1
    inner_nodes = {m[strip:]: nodes[m] for m in members}
    entry, exit_ = entries[0][strip:], exits[0][strip:]
    port_in, port_out = _free("input", inner_nodes), _free("output", inner_nodes)
    entry_shape = in_shapes.get(entries[0], shape_of.get(entries[0], ()))
    inner_nodes = {
        port_in: nir.Input(input_type={"input": np.array(entry_shape)}),
        **inner_nodes,
        port_out: nir.Output(output_type={"output": np.array(shape_of[exits[0]])}),
    }
    inner_edges = [
        (port_in, entry),
        *[(a[strip:], b[strip:]) for a, b in edges if a in inside and b in inside],
        (exit_, port_out),
    ]
    sub_shapes = {m[strip:]: shape_of[m] for m in members if m in shape_of}
    sub_in = {m[strip:]: in_shapes[m] for m in members if m in in_shapes}
    sub_nodes, sub_edges = _nest(inner_nodes, inner_edges, sub_shapes, sub_in, f"{label}.")
    return nir.NIRGraph(nodes=sub_nodes, edges=sub_edges, type_check=False, metadata={})


def _free(base: str, taken: dict[str, Any]) -> str:
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    return name


def _check_nested(graph: Graph, result: nir.NIRGraph) -> None:
    """Reading the nested form back must give the same edges and delays (the order in
    which a reader meets subgraph edges can change which edge closes a cycle)."""
    from snncompile.interop.nir.read import from_nir

    back = from_nir(result, "nested NIR")
    mine = sorted((e.src, e.dst, e.delay) for e in graph.edges)
    theirs = sorted((e.src, e.dst, e.delay) for e in back.edges)
    if mine != theirs:
        raise UnsupportedError("the nested NIR form would change which edges carry delays; write it flat (nested=False)")


"""NIR -> IR: read a ``.nir`` file (or a ``nir.NIRGraph``) into a flat, validated Graph.

Steps: load the HDF5 file (every failure an InputError naming the file); check edge
names ourselves so a broken file gets a one-line message; flatten nested subgraphs into
dotted names (``lif1.lif``); fold back the Delay nodes snncompile inserted for edge
delays; give each cycle's back edge its implicit one-step delay (:mod:`.cycles`);
apply the exporter's dialect if one is named or detected (:mod:`.dialects`); convert
each node through its codec (:mod:`.codecs`); fit scalar parameters and batch axes
(:mod:`.shapes`). Every assumption made on the way is a warning line.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any

import h5py
import networkx as nx
import nir
import numpy as np
from nir.serialization import hdf2dict

from snncompile.errors import GraphError, InputError, UnsupportedError, one_line
from snncompile.hdf5check import check_hdf5
from snncompile.interop.nir.codecs import READERS
from snncompile.interop.nir.context import ReadContext, unbroadcast
from snncompile.interop.nir.cycles import back_edges
from snncompile.interop.nir.dialects import Dialect, detect, fix_edges, fix_nodes, get_dialect
from snncompile.interop.nir.semantics import read_hints, resolve
from snncompile.interop.nir.shapes import fit_shapes
from snncompile.ir import Add, Graph, Node, Output

#: The node types of nir 1.0.8's files (those the reader has a codec for, plus graphs).
_KNOWN_TYPES = {t.__name__ for t in READERS} | {"NIRGraph"}
#: Errors nir raises from a file it cannot build (asserts included).
_NIR_FAILURES = (AssertionError, ValueError, KeyError, TypeError, IndexError, NotImplementedError, AttributeError,
                 OverflowError)


def read_nir(
    source: str | os.PathLike | nir.NIRGraph,
    dt: float | None = None,
    reset: str | None = None,
    reset_timing: str | None = None,
    comparator: str | None = None,
    discretization: str | None = None,
    type_check: bool = True,
    dialect: str | None = None,
) -> Graph:
    """Read a NIR file or graph. Choices NIR does not store (see :mod:`.semantics`):
    ``dt`` (default 1e-4 s), ``reset`` (zero), ``reset_timing`` (immediate),
    ``comparator`` ('>'), ``discretization`` (euler); each argument left None is taken
    from snncompile's hints in the file when present, else from the exporter's
    ``dialect`` (``snntorch``, ``norse``, ... see :mod:`.dialects`; detected when the
    file's metadata names its writer), else the default.

    A file that fails NIR's type checking is read again with ``type_check=False``
    (with a warning); Output shapes are then taken from what the Output receives."""
    if isinstance(source, nir.NIRGraph):
        name, graph, relaxed = "NIR graph", source, not type_check
    else:
        name = str(source)
        graph, relaxed = load_nir_file(name, type_check)
    explicit = {"reset": reset, "reset_timing": reset_timing, "comparator": comparator}
    return from_nir(graph, name, dt=dt, discretization=discretization, explicit=explicit, relaxed=relaxed,
                    dialect=dialect)


# -- the file --------------------------------------------------------------------------
def load_nir_file(path: str, type_check: bool = True) -> tuple[nir.NIRGraph, bool]:
    """(graph, relaxed): ``relaxed`` is True when NIR type checking was off or failed."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    check_hdf5(path, "NIR file")  # in a child process: a corrupt file can hang or crash HDF5
    try:
        with h5py.File(path, "r") as f:
            data = hdf2dict(f["node"])
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        raise InputError(f"{path}: not a readable NIR file ({_why(exc)})") from None
    problems = structure_problems(data)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InputError(f"{path}: {problems[0]}{more}")
    try:
        return nir.dict2NIRNode(_with_type_check(data, type_check)), not type_check
    except _NIR_FAILURES as exc:
        if not type_check:
            raise InputError(f"{path}: NIR cannot build the graph ({_why(exc)})") from None
        reason = _why(exc)
    try:
        graph = nir.dict2NIRNode(_with_type_check(data, False))
    except _NIR_FAILURES as exc:
        raise InputError(f"{path}: NIR cannot build the graph ({_why(exc)})") from None
    warnings.warn(f"{path}: fails NIR type checking ({reason}); read with type_check=False", stacklevel=3)
    return graph, True


def _why(exc: BaseException) -> str:
    """One line for an exception (NIR's bare asserts have no message: name the type)."""
    return one_line(str(exc)) or type(exc).__name__


def structure_problems(data: Any, where: str = "") -> list[str]:
    """Every problem NIR would raise on (edges naming missing nodes, unknown types,
    nodes or edges of the wrong form), with the subgraph path, so the message can be one
    clear line."""
    if not isinstance(data, Mapping) or _text(data.get("type")) != "NIRGraph":
        found = _text(data.get("type")) if isinstance(data, Mapping) else None
        return [f"{where or 'top level'}: not a NIR graph (type {found!r})"]
    scope = f"subgraph '{where}'" if where else "graph"
    nodes = data.get("nodes", {})
    if not isinstance(nodes, Mapping):
        return [f"{scope}: 'nodes' must be a group of node groups"]
    problems = []
    for name, node in nodes.items():
        kind = _text(node.get("type")) if isinstance(node, Mapping) else None
        if kind == "NIRGraph":
            problems += structure_problems(node, f"{where}.{name}" if where else name)
        elif kind not in _KNOWN_TYPES:
            problems.append(f"{scope}: node '{name}' has unknown NIR type {kind!r}")
    edges, problem = _edge_list(data.get("edges"))
    if problem:
        return [*problems, f"{scope}: {problem}"]
    missing: dict[str, list[str]] = {}
    for src, dst in edges:
        for end in dict.fromkeys((src, dst)):
            if end not in nodes:
                missing.setdefault(end, []).append(f"{src} -> {dst}")
    for end, named in missing.items():
        which = f"edge {named[0]} names" if len(named) == 1 else f"edges {', '.join(named)} name"
        problems.append(
            f"{scope}: {which} node '{end}', which does not exist (nodes: {', '.join(sorted(nodes))})"
        )
    return problems


def _text(value: Any) -> str | None:
    """A stored name or type as text (None when it is not a string at all)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bytes):
        return value.decode("utf8", errors="replace")
    return value if isinstance(value, str) else None


def _edge_list(edges: Any) -> tuple[list[tuple[str, str]], str | None]:
    """(edges as (src, dst) names, problem): NIR stores an (n, 2) array of names."""
    if edges is None:
        return [], None
    array = np.asarray(edges, dtype=object)
    if array.size == 0:
        return [], None
    if array.ndim != 2 or array.shape[1] != 2:
        return [], f"'edges' must be an (n, 2) array of node names, found shape {array.shape}"
    pairs = [(_text(a), _text(b)) for a, b in array]
    if any(a is None or b is None for a, b in pairs):
        return [], "'edges' must hold node names (strings)"
    return pairs, None  # type: ignore[return-value]


def _with_type_check(data: dict, type_check: bool) -> dict:
    """A fresh copy (NIR's from_dict edits the dicts it is given) in which nested
    subgraphs get our type-checking choice too (NIR would check them regardless)."""
    out = dict(data)
    out["nodes"] = {
        k: _with_type_check(v, type_check) if _text(v.get("type")) == "NIRGraph" else dict(v)
        for k, v in data["nodes"].items()
    }
    out["type_check"] = type_check
    return out


# -- the graph -------------------------------------------------------------------------
def from_nir(
    graph: nir.NIRGraph,
    source: str = "NIR graph",
    dt: float | None = None,
    discretization: str | None = None,
    explicit: dict[str, Any] | None = None,
    relaxed: bool = False,
    dialect: str | None = None,
) -> Graph:
    """Convert an in-memory NIR graph (see :func:`read_nir` for the arguments)."""
    explicit = explicit or {}
    graph_hints = read_hints(graph.metadata)
    spoken = _dialect(dialect, graph.metadata, source)
    defaults = spoken.choices() if spoken else {}
    step = resolve("dt", dt, graph_hints, defaults, source=source)
    method = resolve("discretization", discretization, graph_hints, defaults, source=source)
    nodes, edges = flatten(graph, source)
    if spoken:
        nodes, notes = fix_nodes(spoken, nodes, step)
        _warn(source, notes)

    def context(name: str) -> ReadContext:
        return ReadContext(name, source, step, method, explicit, read_hints(nodes[name].metadata), graph_hints,
                           defaults)

    nodes, edges, extra = _fold_edge_delays(nodes, edges, context)
    names = list(nodes)
    hinted = graph_hints.get("node_order")
    order = list(hinted) if isinstance(hinted, list) and sorted(hinted) == sorted(names) else names
    roots = [n for n in order if isinstance(nodes[n], nir.Input)]
    back, visited = back_edges(order, edges, roots)
    if order is names:
        order = visited
    _warn(source, _stateless_cycles(nodes, edges, back))
    delays = [extra[i] + (1 if i in back else 0) for i in range(len(edges))]
    if spoken:
        delays, notes = fix_edges(spoken, nodes, edges, delays)
        _warn(source, notes)
    ir = Graph(dt=step)
    for name in order:
        ir.add(name, _convert(nodes[name], context(name)))
    for (src, dst), delay in zip(edges, delays):
        ir.connect(src, dst, delay)
    ir, notes = fit_shapes(ir)
    _warn(source, notes)
    undeclared = [n for n in ir.outputs if not _declared(nodes[n])]
    if relaxed or undeclared:
        _outputs_from_sources(ir, source, names=None if relaxed else undeclared, quiet=set(undeclared))
    try:
        return ir.validate()
    except GraphError as exc:
        raise InputError(f"{source}: {exc}") from None


def _dialect(name: str | None, metadata: Any, source: str) -> Dialect | None:
    """The named dialect, else the one the metadata names (said in a warning), else none."""
    found = detect(metadata)
    if name is not None:
        chosen = get_dialect(name, source)
        if found and found[0] != name:
            warnings.warn(f"{source}: metadata key '{found[1]}' names {found[0]}, read as --from {name} as asked",
                          stacklevel=4)
        return chosen
    if found:
        warnings.warn(f"{source}: metadata key '{found[1]}' names its writer: read with the {found[0]} dialect "
                      f"(as --from {found[0]}; see docs/nir.md)", stacklevel=4)
        return get_dialect(found[0], source)
    return None


def _warn(source: str, notes: list[str]) -> None:
    for note in notes:
        warnings.warn(f"{source}: {note}", stacklevel=4)


#: NIR node types that carry state from one step to the next
_STATEFUL = (nir.LIF, nir.CubaLIF, nir.IF, nir.LI, nir.CubaLI, nir.I, nir.Delay)


def _stateless_cycles(nodes: dict[str, Any], edges: list[tuple[str, str]], back: set[int]) -> list[str]:
    """A note per back edge whose cycle holds no neuron or delay (an Affine feeding itself):
    the one-step delay is then the reader's assumption, not a neuron's state."""
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    component = {n: i for i, c in enumerate(nx.strongly_connected_components(g)) for n in c}
    notes = []
    for i in sorted(back):
        src, dst = edges[i]
        members = sorted(n for n, c in component.items() if c == component[src])
        if not any(isinstance(nodes[n], _STATEFUL) for n in members):
            notes.append(f"edge {src} -> {dst} closes a cycle through {members} with no neuron or delay in it: "
                         "it carries the previous step's value (a one-step delay, as nirtorch runs it)")
    return notes


def _convert(n: Any, ctx: ReadContext) -> Node:
    if ctx.hints.get("kind") == "Add":
        return Add()
    reader = READERS.get(type(n))
    if reader is None:
        raise UnsupportedError(f"{ctx.source}: node '{ctx.name}': NIR type {type(n).__name__} is not supported")
    try:
        with np.errstate(all="ignore"):  # bad values (tau = 0) are reported by validation
            node = reader(n, ctx)
    except (ValueError, TypeError, OverflowError, GraphError) as exc:  # int(inf) is an OverflowError
        raise InputError(f"{ctx.source}: node '{ctx.name}' ({type(n).__name__}): {_why(exc)}") from None
    shapes = ctx.hints.get("shapes", {})
    changes = {f: unbroadcast(getattr(node, f), s) for f, s in shapes.items() if hasattr(node, f)}
    return node.replace(**changes) if changes else node


def flatten(graph: nir.NIRGraph, source: str, prefix: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Nested subgraphs -> one flat graph with dotted names. An edge into subgraph ``G``
    goes to the nodes fed by ``G``'s Input node, an edge out of ``G`` leaves from the
    nodes feeding ``G``'s Output node; the inner Input/Output nodes disappear."""
    nodes: dict[str, Any] = {}
    inner: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}  # subgraph -> (in port, out port, edges)
    for name, node in graph.nodes.items():
        full = prefix + name
        if not isinstance(node, nir.NIRGraph):
            nodes[full] = node
            continue
        sub_nodes, sub_edges = flatten(node, source, full + ".")
        ins = [k for k, v in node.nodes.items() if isinstance(v, nir.Input)]
        outs = [k for k, v in node.nodes.items() if isinstance(v, nir.Output)]
        if len(ins) != 1 or len(outs) != 1:
            raise UnsupportedError(
                f"{source}: subgraph '{full}' has {len(ins)} Input and {len(outs)} Output nodes; "
                "edges to a subgraph need exactly one of each"
            )
        nodes.update(sub_nodes)
        inner[full] = (f"{full}.{ins[0]}", f"{full}.{outs[0]}", sub_edges)
    edges: list[tuple[str, str]] = []
    placed: set[str] = set()
    for a, b in graph.edges:
        src, dst = prefix + a, prefix + b
        if src in inner:
            src = inner[src][1]
        if dst in inner:
            port, _, sub_edges = inner[dst]
            edges.append((src, port))
            if dst not in placed:  # a subgraph's own edges follow the first edge into it
                placed.add(dst)
                edges += sub_edges
            continue
        edges.append((src, dst))
    for name, (_, _, sub_edges) in inner.items():
        if name not in placed:
            edges += sub_edges
    for port in [p for name in inner for p in inner[name][:2]]:
        edges = _bypass(port, edges)
        del nodes[port]
    return nodes, edges


def _bypass(port: str, edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Remove pass-through node ``port``: each a -> port -> b becomes a -> b."""
    feeders = [a for a, b in edges if b == port]
    out: list[tuple[str, str]] = []
    for a, b in edges:
        if a == port:
            out += [(f, b) for f in feeders]
        elif b != port:
            out.append((a, b))
    return out


def _fold_edge_delays(nodes, edges, context):
    """Delay nodes the writer inserted for an edge delay (hint ``edge_delay``) become
    that edge's delay again. Returns (nodes, edges, extra delay per edge)."""
    extra = [0] * len(edges)
    for name in [n for n, node in nodes.items() if isinstance(node, nir.Delay)]:
        ctx = context(name)
        if not ctx.hints.get("edge_delay"):
            continue
        into = [i for i, (_, b) in enumerate(edges) if b == name]
        out = [i for i, (a, _) in enumerate(edges) if a == name]
        steps = np.unique(READERS[nir.Delay](nodes[name], ctx).delay)
        if len(into) != 1 or len(out) != 1 or len(steps) != 1:
            continue  # edited since we wrote it: keep it as a Delay node
        i, j = into[0], out[0]
        src, dst = edges[i][0], edges[j][1]
        edges = [(src, dst) if k == j else e for k, e in enumerate(edges)]
        extra[j] += extra[i] + int(steps[0])
        del edges[i], extra[i]
        nodes = {k: v for k, v in nodes.items() if k != name}
    return nodes, edges, extra


def _declared(node: Any) -> bool:
    """Whether a NIR Output node states its shape (``output_type=None`` does not)."""
    types = getattr(node, "output_type", None) or {}
    return any(v is not None for v in types.values())


def _outputs_from_sources(graph: Graph, source: str, names: list[str] | None = None,
                          quiet: set[str] | None = None) -> None:
    """An Output takes the shape it receives: in relaxed reading (type checking failed,
    so the declared one may be wrong, as in the NIR paper's lif_rockpool.nir; warned),
    and where the file declares none (``names``, ``quiet``)."""
    probe = graph.copy()
    for name in graph.outputs:
        probe.nodes[name] = Add()  # an Add takes the shape it receives
    if graph.inputs:  # the probe still needs one Output to be a graph
        first = graph.inputs[0]
        probe.add(" probe", Output(shape=graph.nodes[first].shape))  # type: ignore[attr-defined]
        probe.connect(first, " probe")
    try:
        shapes = probe.infer_shapes()
    except GraphError as exc:
        raise InputError(f"{source}: {exc}") from None
    for name in graph.outputs if names is None else names:
        declared = graph.nodes[name].shape  # type: ignore[attr-defined]
        if tuple(shapes[name]) != tuple(declared) and name in (quiet or set()):
            graph.nodes[name] = Output(shape=shapes[name])
        elif tuple(shapes[name]) != tuple(declared):
            warnings.warn(
                f"{source}: Output '{name}' declares shape {tuple(declared)} but receives {tuple(shapes[name])}; "
                "using the received shape", stacklevel=4,
            )
            graph.nodes[name] = Output(shape=shapes[name])

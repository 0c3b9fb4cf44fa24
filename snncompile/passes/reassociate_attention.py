"""reassociate_attention: compute a product of three spike matrices in its cheaper order.

Linear attention without softmax (Spikformer's ``(Q Kᵀ) V``) may be computed as
``Q (Kᵀ V)``; for ``X`` (n, k), ``Y`` (k, m), ``Z`` (m, p) the two orders cost::

    (X Y) Z :  n·k·m + n·m·p   multiply-adds
    X (Y Z) :  k·m·p + n·k·p

(times the number of leading, e.g. head, indices). With N tokens and D features per
head, ``(Q Kᵀ) V`` is 2·N²·D and ``Q (Kᵀ V)`` 2·N·D²: fewer whenever D < N. The pass
rewrites ``MatMul(MatMul(X, Y), Z)`` and ``MatMul(X, MatMul(Y, Z))`` into the other
order when that counts strictly fewer operations, the inner product feeding nothing
else. It only does so when X, Y and Z are spike trains (0/1, through views): every
partial sum is then an integer, so both orders give the same float64 result bit for
bit. The outer product keeps its name (its consumers see the same values); the new
inner product is ``NAME.inner``.
"""

from __future__ import annotations

import math

from snncompile.ir import Graph, Shape, is_spike_train
from snncompile.ir.host import MatMul
from snncompile.passes.rewrite import unique_name


def chain_costs(x: Shape, y: Shape, z: Shape) -> tuple[int, int]:
    """Multiply-adds of ``(x y) z`` and of ``x (y z)`` (leading axes broadcast)."""
    lead = math.prod(max(a, b, c) for a, b, c in _leading(x, y, z))
    n, k, m, p = x[-2], x[-1], y[-1], z[-1]
    return lead * (n * k * m + n * m * p), lead * (k * m * p + n * k * p)


def reassociate_attention(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, MatMul) or name not in graph.nodes:
            continue
        ops = graph.operands(name)
        if len(ops["a"]) != 1 or len(ops["b"]) != 1:
            continue
        for inner_port in ("a", "b"):
            rewritten = _reassociate(graph, name, inner_port)
            if rewritten is not None:
                graph = rewritten
                break
    return graph


def _reassociate(graph: Graph, name: str, inner_port: str) -> Graph | None:
    """The graph with ``name`` = (inner at ``inner_port``) computed the other way round,
    or None when the pattern does not hold or the other order is not cheaper."""
    ops = graph.operands(name)
    inner_edge = ops[inner_port][0]
    inner = inner_edge.src
    if (not isinstance(graph.nodes[inner], MatMul) or inner_edge.delay or len(graph.outgoing(inner)) != 1):
        return None
    inner_ops = graph.operands(inner)
    if len(inner_ops["a"]) != 1 or len(inner_ops["b"]) != 1:
        return None
    outer_port = "b" if inner_port == "a" else "a"
    # the three operand edges, in product order X, Y, Z
    if inner_port == "a":
        x, y, z = inner_ops["a"][0], inner_ops["b"][0], ops["b"][0]
    else:
        x, y, z = ops["a"][0], inner_ops["a"][0], inner_ops["b"][0]
    if not all(is_spike_train(graph, e.src) for e in (x, y, z)):
        return None
    shapes = graph.infer_shapes()
    left_first, right_first = chain_costs(*(shapes[e.src] for e in (x, y, z)))
    now, other = (left_first, right_first) if inner_port == "a" else (right_first, left_first)
    if other >= now:
        return None
    new_inner = unique_name(graph, f"{name}.inner")
    pair = (y, z) if inner_port == "a" else (x, y)  # the operands the new inner product takes
    single = x if inner_port == "a" else z
    out = graph.copy()
    dropped = {inner_edge, *inner_ops["a"], *inner_ops["b"], *ops[outer_port]}
    out.edges = [e for e in out.edges if e not in dropped]
    out.nodes.pop(inner)
    out.add(new_inner, MatMul())
    out.connect(pair[0].src, new_inner, pair[0].delay, "a")
    out.connect(pair[1].src, new_inner, pair[1].delay, "b")
    out.connect(single.src, name, single.delay, "a" if inner_port == "a" else "b")
    out.connect(new_inner, name, 0, "b" if inner_port == "a" else "a")
    return out


def _leading(*shapes: Shape) -> list[tuple[int, ...]]:
    """The leading (batch) axes of ``shapes``, right-aligned and padded with 1."""
    depth = max(len(s) - 2 for s in shapes)
    padded = [(1,) * (depth - (len(s) - 2)) + tuple(s[:-2]) for s in shapes]
    return list(zip(*padded))

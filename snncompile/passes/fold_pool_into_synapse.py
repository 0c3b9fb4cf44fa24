"""fold_pool_into_synapse: merge a sum/average pool into the synapse that consumes it.

A Loihi-style core has no pooling stage between a neuron layer and a synapse: both are
linear maps, so their composition is one synapse. For a non-overlapping pool of size
``p`` (kernel = stride, no padding; average = sum / p²):

- ``pool → Conv2d(K, stride s, padding q, dilation 1)`` is a Conv2d on the unpooled input
  with kernel ``K'[.., p·a + i, p·b + j] = K[.., a, b]`` (``0 <= i, j < p``), stride
  ``p·s`` and padding ``p·q`` (exact when ``p`` divides the input's height and width:
  padded zeros pool to zeros, and no pixel the pool drops falls under the kernel);
- ``pool → Flatten → Linear(W)`` is ``Flatten → Linear(W')`` with
  ``W'[o, (c, h, w)] = W[o, (c, h // p, w // p)]`` (0 for rows/columns the pool drops).

Per-synapse delays follow their weights (a pooled input's delay is every unpooled
input's delay: the pool takes no time).

Other pools are left in place (the quantizer then names them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from snncompile.ir import AvgPool2d, Conv2d, Flatten, Graph, Linear, SumPool2d
from snncompile.passes.rewrite import bypass, replace_node, sole_consumer

_POOLS = (SumPool2d, AvgPool2d)


def _pool_factor(node: Any) -> int | None:
    """The pool size when the pool is square, non-overlapping and unpadded."""
    k, s, pad = tuple(node.kernel_size), tuple(node.stride), tuple(node.padding)
    if k[0] != k[1] or k != s or pad != (0, 0):
        return None
    return int(k[0])


def _scale(node: Any, p: int) -> float:
    return 1.0 / (p * p) if isinstance(node, AvgPool2d) else 1.0


def fold_pool_into_synapse(graph: Graph) -> Graph:
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, _POOLS) or (p := _pool_factor(node)) is None:
            continue
        in_shape = graph.input_shape(name)
        dst = sole_consumer(graph, name, (Conv2d, Flatten))
        if dst is None:
            continue
        consumer: Any = graph.nodes[dst]
        covers = in_shape[1] % p == 0 and in_shape[2] % p == 0  # else the conv's padding meets dropped pixels
        if isinstance(consumer, Conv2d) and tuple(consumer.dilation) == (1, 1) and covers:
            kernel = np.kron(consumer.weight, np.ones((p, p))) * _scale(node, p)
            delays = None if consumer.delays is None else np.kron(consumer.delays, np.ones((p, p), np.int64))
            merged = consumer.replace(weight=kernel, delays=delays, stride=tuple(p * s for s in consumer.stride),
                                      padding=tuple(p * q for q in consumer.padding))
            graph = bypass(replace_node(graph, dst, merged), name)
        elif isinstance(consumer, Flatten) and (consumer.start_dim, consumer.end_dim) in ((0, -1), (0, 2)):
            linear = sole_consumer(graph, dst, (Linear,))
            if linear is None:
                continue
            graph = _fold_into_linear(graph, name, dst, linear, in_shape, p, _scale(node, p))
    return graph


def _unpooled(matrix: np.ndarray, c: int, h: int, w: int, p: int) -> np.ndarray:
    """An (out, c·h/p·w/p) matrix over the pooled input as the (out, c·h·w) matrix over the
    unpooled one: each entry repeated over its p x p window (0 where the pool drops)."""
    ho, wo = h // p, w // p
    full = np.zeros((matrix.shape[0], c, h, w), matrix.dtype)
    full[:, :, : ho * p, : wo * p] = np.kron(matrix.reshape(-1, c, ho, wo), np.ones((p, p), matrix.dtype))
    return full.reshape(matrix.shape[0], -1)


def _fold_into_linear(graph: Graph, pool: str, flatten: str, linear: str, in_shape: tuple[int, ...], p: int,
                      scale: float) -> Graph:
    lin: Any = graph.nodes[linear]
    c, h, w = in_shape
    graph = replace_node(graph, linear, lin.replace(weight=_unpooled(lin.weight, c, h, w, p) * scale,
                                                    delays=None if lin.delays is None
                                                    else _unpooled(lin.delays, c, h, w, p)))
    (inc,) = graph.incoming(pool)
    edges = [e for e in graph.edges if pool not in (e.src, e.dst)]
    edges.append(inc.replace(dst=flatten, delay=inc.delay + graph.incoming(flatten)[0].delay))
    nodes = {n: node for n, node in graph.nodes.items() if n != pool}
    return Graph(nodes, edges, graph.dt)

"""How much arithmetic a node placed on the host does per time step, as multiply-
accumulate equivalents ("ops"): what the host estimates price.

One counting rule per node kind (:data:`HOST_OPS`), from the node and the per-sample
shapes at its operands; a kind without a rule counts one op per output element (stated
in :func:`host_op_counts`' assumptions). Data movement (reshapes, transposes, Flatten)
counts 0: the host reads the same values in another order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from snncompile.ir import Graph, NeuronNode, Node, Shape, Synapse
from snncompile.ir.placement import is_static, on_host
from snncompile.ir.stage import Stage

#: kind -> ops(node, operand shapes, output shape) per step and sample
Counter = Callable[[Node, Mapping[str, Shape], Shape], float]
HOST_OPS: dict[str, Counter] = {}
#: ops per element of the elementwise kinds that cost more than one
PER_ELEMENT = {"LayerNorm": 5, "RMSNorm": 4, "GELU": 8, "SiLU": 4, "Sigmoid": 4, "ELU": 4, "Softplus": 4,
               "Exp": 4, "Div": 4, "BatchNorm": 2}


def counts(*kinds: str) -> Callable[[Counter], Counter]:
    def register(fn: Counter) -> Counter:
        for kind in kinds:
            HOST_OPS[kind] = fn
        return fn

    return register


def _size(shape: Shape) -> int:
    return int(math.prod(shape))


@counts("MatMul")
def _matmul(node: Node, shapes: Mapping[str, Shape], out: Shape) -> float:
    return float(_size(out) * shapes["a"][-1])  # every output element sums k products


@counts("SelectiveScan")
def _scan(node: Node, shapes: Mapping[str, Shape], out: Shape) -> float:
    length, d = shapes["x"]
    n = shapes["B"][-1]
    return float(length * d * (4 * n + 2))  # exp, decay, input, state update, C·h per state


@counts("Reshape", "Transpose", "Flatten", "Input", "Output", "Constant", "Slice", "Concat", "Expand")
def _movement(node: Node, shapes: Mapping[str, Shape], out: Shape) -> float:
    return 0.0


def node_ops(node: Node, shapes: Mapping[str, Shape], out: Shape) -> float:
    """Ops of one step of ``node`` for one sample."""
    if node.kind in HOST_OPS:
        return HOST_OPS[node.kind](node, shapes, out)
    if isinstance(node, Synapse):
        return float(_size(out) * node.fan_in())
    if isinstance(node, NeuronNode):
        return float(4 * _size(out))  # decay, input, compare, reset
    return float(PER_ELEMENT.get(node.kind, 1) * _size(out))


def host_ops_per_sample(graph: Graph, steps: int) -> dict[str, float]:
    """Ops per sample of every host node over ``steps`` steps: a static node (same
    output every step, see :mod:`snncompile.passes.mark_static`) is computed once."""
    return {n: ops * (1 if is_static(graph.nodes[n]) else steps) for n, ops in host_op_counts(graph).items()}


def host_op_counts(graph: Graph) -> dict[str, float]:
    """Ops per step and sample of every node placed on the host (none for a graph
    without placements)."""
    shapes = graph.infer_shapes()
    out = {}
    for name, node in graph.items():
        if on_host(node) and type(node).stage is not Stage.INTEGER:
            operands = graph.operand_shapes(name, shapes) if not node.source else {}
            out[name] = node_ops(node, operands, shapes[name])
    return out


ASSUMPTIONS = (
    "host ops are multiply-accumulate equivalents per step: a matrix product k per output element, a "
    "synapse its fan-in per output, a neuron 4, norms and smooth activations 4-8 per element (see "
    "estimate/host_ops.py), other elementwise ops 1, data movement 0",
)

"""integer_ranges: which nodes of a float graph only ever output small integers.

A chip synapse takes binary spikes or, where the target has graded spikes, integer
payloads. A host node whose every output is an integer in a known range (BackEISNN's
ternary output ``sign(Conv_ei(v)) · s`` in {-1, 0, +1}, a sum of spike trains, a product
of spikes) can therefore feed a chip synapse exactly, as graded payloads, with no scale
and no rounding. This analysis finds those nodes: for each, the interval ``[lo, hi]``
its outputs lie in at every step, for every input the graph can be given.

Rules, one per node kind (:data:`FIXED`, :data:`RULES`), from the intervals of the node's operands
(each operand the sum of the edges into its port; a delayed edge contributes 0 in its
first steps, so every interval holds 0):

- a spiking neuron: ``[0, 1]`` (the float IR's neurons send one spike at most);
- ``Sign``: ``[-1, 1]``, whatever its input;
- ``Mul``: the product of its operands' intervals (the extreme corners);
- ``Add``: the sum of its inputs' intervals;
- nodes that only copy elements (``copies_elements``: views, selections, Output):
  their input's interval.

Anything else (weights, real-valued inputs, scales) is not known to be an integer. The
intervals are a least fixpoint: a node inside a recurrence is known once its operands
are.
"""

from __future__ import annotations

from collections.abc import Callable

from snncompile.ir import Graph, Node
from snncompile.ir.neurons import NeuronNode
from snncompile.ir.node import SUM

Interval = tuple[int, int]
#: a node kind's rule: (node, the intervals of its operands by port) -> its interval or None
Rule = Callable[[Node, dict[str, Interval]], Interval | None]


def _product(node: Node, ports: dict[str, Interval]) -> Interval | None:
    if len(ports) != 2:
        return None
    (a0, a1), (b0, b1) = ports.values()
    corners = [a0 * b0, a0 * b1, a1 * b0, a1 * b1]
    return min(corners), max(corners)


def _copy(node: Node, ports: dict[str, Interval]) -> Interval | None:
    return ports.get(SUM)


#: kinds whose outputs lie in a fixed interval whatever their input
FIXED: dict[str, Interval] = {"Sign": (-1, 1)}

RULES: dict[str, Rule] = {
    "Mul": _product,
    "Add": _copy,  # one operand: the sum of every incoming edge
}


def integer_ranges(graph: Graph) -> dict[str, Interval]:
    """``{node: (lo, hi)}`` for every node whose outputs are integers in ``[lo, hi]``
    (see module docstring)."""
    known: dict[str, Interval] = {}
    changed = True
    while changed:
        changed = False
        for name, node in graph.items():
            if name in known:
                continue
            found = _interval(graph, name, node, known)
            if found is not None:
                known[name] = found
                changed = True
    return known


def _interval(graph: Graph, name: str, node: Node, known: dict[str, Interval]) -> Interval | None:
    if isinstance(node, NeuronNode):
        return (0, 1) if node.spiking else None
    if node.kind in FIXED:
        return FIXED[node.kind]
    ports = _operands(graph, name, known)
    if ports is None:
        return None
    if node.kind in RULES:
        return RULES[node.kind](node, ports)
    if getattr(node, "copies_elements", False) and not node.source:
        return _copy(node, ports)
    return None


def _operands(graph: Graph, name: str, known: dict[str, Interval]) -> dict[str, Interval] | None:
    """Each port's interval (the sum of its edges'), or None when an edge's is unknown."""
    ports: dict[str, Interval] = {}
    for e in graph.incoming(name):
        if e.src not in known:
            return None
        lo, hi = known[e.src]
        if e.delay > 0:  # zero before the edge's first value arrives
            lo, hi = min(lo, 0), max(hi, 0)
        plo, phi = ports.get(e.port, (0, 0))
        ports[e.port] = (plo + lo, phi + hi)
    return ports or None


def fits_payload(interval: Interval, bits: int) -> bool:
    """Whether every value of ``interval`` is a signed ``bits``-bit payload."""
    half = 1 << (bits - 1)
    return -half <= interval[0] and interval[1] < half


__all__ = ["FIXED", "RULES", "integer_ranges", "fits_payload"]

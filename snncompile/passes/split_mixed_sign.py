"""split_mixed_sign: split a mixed-sign Linear into an excitatory and an inhibitory one.

``W = W+ + W-`` with ``W+ = max(W, 0)`` and ``W- = min(W, 0)``: the two synapses receive
the same input and feed the same nodes, so their sum is the original (exact). On a
Loihi-style core a mixed-sign matrix loses one mantissa bit (even values only) and shares
one exponent; the two one-signed halves each keep every bit and get their own exponent.
The cost is a second synapse matrix. The bias (if any) stays with the excitatory half; both halves keep the per-synapse
delays.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Graph, Linear

NEGATIVE_SUFFIX = ".neg"


def split_mixed_sign(graph: Graph) -> Graph:
    out = graph.copy()
    for name, node in graph.items():
        if not isinstance(node, Linear) or not (np.any(node.weight > 0) and np.any(node.weight < 0)):
            continue
        neg = name + NEGATIVE_SUFFIX
        out.nodes[name] = node.replace(weight=np.maximum(node.weight, 0.0))
        out.add(neg, Linear(weight=np.minimum(node.weight, 0.0), delays=node.delays))
        out.edges += [e.replace(src=neg if e.src == name else e.src, dst=neg if e.dst == name else e.dst)
                      for e in graph.edges if name in (e.src, e.dst)]
    return out

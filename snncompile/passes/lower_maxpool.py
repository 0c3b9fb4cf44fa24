"""lower_maxpool: a MaxPool over spike trains becomes a sum pool and a threshold.

Over 0/1 spikes the maximum of a window is its OR: 1 when the window holds at least one
spike. A core computes that as a synapse that sums each window (a depthwise convolution
with all-one weights, channel by channel, zero padding) into neurons that forget
(``decay = 0``) and fire when their input exceeds one half::

    MaxPool2d(k, stride, pad)(s)  =  LIF(decay=0, θ=0.5, '>')(Conv2d(ones(C, 1, k), groups=C)(s))

The LIF's membrane is the window's spike count each step, so it fires exactly when the
maximum is 1 (its reset never matters: the next step starts from zero anyway). The
LIF takes over the pool's name (records and consumers see the same spikes); the sum is
``NAME.sum``. Both are integer nodes on a chip (one more synapse stage of latency, which
the quantizer's timing accounts for). A MaxPool over real values is left in place.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import LIF, Conv2d, Graph, MaxPool2d, is_spike_train
from snncompile.ir.semantics import Comparator, Reset
from snncompile.passes.rewrite import insert_before, replace_node, unique_name


def lower_maxpool(graph: Graph) -> Graph:
    shapes = graph.infer_shapes()
    for name, node in list(graph.nodes.items()):
        if not isinstance(node, MaxPool2d) or not is_spike_train(graph, name):
            continue
        channels = graph.input_shape(name, shapes)[0]
        window = np.ones((channels, 1, *node.kernel_size))
        stride = node.stride or node.kernel_size  # set by the pool itself; None only before __post_init__
        summed = Conv2d(weight=window, stride=stride, padding=node.padding, groups=channels)
        either = LIF(shape=shapes[name], decay=np.zeros(()), threshold=np.full((), 0.5), reset=Reset.ZERO,
                     comparator=Comparator.GT)
        graph = insert_before(replace_node(graph, name, either), name, unique_name(graph, f"{name}.sum"), summed)
    return graph


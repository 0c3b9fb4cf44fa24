"""A hand-computable two-layer dense network with known spikes (worked out in
tests/estimate/README.md) and its recorded activity."""

import numpy as np
import pytest

from snncompile.estimate.activity import record_activity
from snncompile.ir import IF, LIF, Graph, Input, Linear, Output

W1 = np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
W2 = np.array([[1.0, 0.0], [1.0, 1.0]])
SPIKES_IN = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 1], [0, 0, 0]], dtype=float)


def two_layer_graph() -> Graph:
    g = Graph(dt=1e-3)
    g.add("in", Input(shape=(3,)))
    g.add("fc1", Linear(weight=W1))
    g.add("hid", IF(shape=(2,), threshold=0.5))
    g.add("fc2", Linear(weight=W2))
    g.add("out", LIF(shape=(2,), decay=0.5, threshold=1.2))
    g.add("y", Output(shape=(2,)))
    g.chain("in", "fc1", "hid", "fc2", "out", "y")
    return g


@pytest.fixture
def two_layer():
    g = two_layer_graph()
    return g, record_activity(g, SPIKES_IN[None])

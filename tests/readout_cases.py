"""A hand case on which the two classifying readouts disagree (shared by the readout tests
of evaluate/compare/simulate/sweep, the error budget, the HTML report and convert)."""

from __future__ import annotations

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output


def copy_graph() -> Graph:
    """Output spike j at step t exactly when input j is 1 at step t (a LIF with no memory)."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=2.0 * np.eye(2)))
    g.add("lif", LIF(shape=(2,), decay=0.0))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    return g


def disagreeing_inputs() -> np.ndarray:
    """(3, 8, 2). Sample 0: class 1 spikes first (step 1), class 0 more often (steps 3..6):
    count says 0, first spike 1; sample 1: class 0 only (both say 0); sample 2: silent
    (count: class 0 by argmax; first spike: no class)."""
    x = np.zeros((3, 8, 2))
    x[0, 3:7, 0], x[0, 1, 1] = 1.0, 1.0
    x[1, 2, 0] = 1.0
    return x


#: what each readout decides on :func:`disagreeing_inputs` through :func:`copy_graph`
DECIDED = {"count": [0, 0, 0], "first-spike": [1, 0, -1]}

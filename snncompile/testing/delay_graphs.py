"""Small float graphs with per-synapse delays, shared by the tests of the passes and
interop that handle them.

:func:`recurrent_delays`: input (5) -> Linear ``fc`` with delays (and a bias) -> LIF
``n`` (4) -> output, plus a recurrent Linear ``rec`` with delays over an edge of delay 1.
``lowest`` is the smallest delay ``fc`` may draw (>= 1: no weight of delay 0).
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import LIF, Graph, Input, Linear, Output


def recurrent_delays(bias: bool = True, lowest: int = 0, seed: int = 0) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(5,)))
    g.add("fc", Linear(weight=rng.normal(0.3, 0.6, (4, 5)), bias=rng.normal(0, 0.2, 4) if bias else None,
                       delays=rng.integers(lowest, 4, (4, 5))))
    g.add("n", LIF(shape=(4,), decay=np.asarray(0.8), threshold=np.asarray(1.0)))
    g.add("rec", Linear(weight=rng.normal(0, 0.4, (4, 4)), delays=rng.integers(0, 3, (4, 4))))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "n", "y")
    g.connect("n", "rec")
    g.connect("rec", "n", delay=1)
    return g.validate()

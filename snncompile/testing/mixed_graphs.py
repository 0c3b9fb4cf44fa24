"""A small hand-built mixed graph (chip -> host -> chip) for backend tests.

Chip segment ``chip0``: input -> FixedLinear -> FixedLIF ``h`` (8 neurons). Host
segment ``host0``: a float ``Linear`` of ``h``'s spikes (the kind of layer a host runs
beside the chip) and a ``Quantize`` boundary. Chip segment ``chip1``: a graded
FixedLinear into FixedLIF ``out`` (5 neurons), whose spikes are the output.
"""

from __future__ import annotations

import numpy as np

from snncompile.ir import Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedLIF, FixedLinear
from snncompile.ir.host import Quantize
from snncompile.ir.placement import Placement, placed

CHIP, HOST = Placement.CHIP, Placement.HOST


def chip_host_chip(seed: int = 0, n_in: int = 6) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(n_in,)))
    g.add("h.w", placed(FixedLinear(weight=rng.integers(-60, 120, (8, n_in))), CHIP, "chip0"))
    g.add("h", placed(FixedLIF(shape=(8,), du=4095, dv=800, vth=90), CHIP, "chip0"))
    g.add("mix", placed(Linear(weight=rng.normal(0.8, 1.0, (12, 8)), bias=rng.normal(0, 0.3, 12)), HOST, "host0"))
    g.add("mix.q", placed(Quantize(scale=10.0, bits=24), HOST, "host0"))
    g.add("out.w", placed(FixedLinear(weight=rng.integers(-20, 60, (5, 12)), num_message_bits=24), CHIP, "chip1"))
    g.add("out", placed(FixedLIF(shape=(5,), du=3000, dv=300, vth=200), CHIP, "chip1"))
    g.add("y", placed(Output(shape=(5,)), CHIP, "chip1"))
    g.connect("x", "h.w")
    g.connect("h.w", "h", 1)
    g.chain("h", "mix", "mix.q", "out.w")
    g.connect("out.w", "out", 1)
    g.connect("out", "y")
    return g.validate()

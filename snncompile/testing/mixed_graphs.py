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
    g.add("mix.q", placed(Quantize(scale=np.asarray(10.0), bits=24), HOST, "host0"))
    g.add("out.w", placed(FixedLinear(weight=rng.integers(-20, 60, (5, 12)), num_message_bits=24), CHIP, "chip1"))
    g.add("out", placed(FixedLIF(shape=(5,), du=3000, dv=300, vth=200), CHIP, "chip1"))
    g.add("y", placed(Output(shape=(5,)), CHIP, "chip1"))
    g.connect("x", "h.w")
    g.connect("h.w", "h", 1)
    g.chain("h", "mix", "mix.q", "out.w")
    g.connect("out.w", "out", 1)
    g.connect("out", "y")
    return g.validate()


def float_attention(seed: int = 0, scale: float = 0.25) -> Graph:
    """A float graph a chip cannot run whole: spiking ``q`` and ``k`` (4x4 LIF), their
    product ``qk`` (a host MatMul), a ``Scale`` ``s`` (a positive one folds into ``attn``'s
    threshold; a negative one stays on the host), an attention LIF and a spiking readout
    layer ``out``."""
    from snncompile.ir import LIF, Scale
    from snncompile.ir.host import MatMul

    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(4, 6)))
    for n in ("q", "k"):
        g.add(f"{n}.w", Linear(weight=rng.normal(0.3, 0.6, (4, 6))))
        g.add(n, LIF(shape=(4, 4), decay=np.asarray(0.5), threshold=np.asarray(1.0)))
        g.chain("x", f"{n}.w", n)
    g.add("qk", MatMul())
    g.connect("q", "qk", port="a")
    g.connect("k", "qk", port="b")
    g.add("s", Scale(scale=np.asarray(scale)))
    g.add("attn", LIF(shape=(4, 4), decay=np.asarray(0.5), threshold=np.asarray(0.5)))
    g.add("o.w", Linear(weight=rng.normal(0.4, 0.5, (2, 4))))
    g.add("out", LIF(shape=(4, 2), decay=np.asarray(0.8), threshold=np.asarray(1.0)))
    g.add("y", Output(shape=(4, 2)))
    g.chain("qk", "s", "attn", "o.w", "out", "y")
    return g.validate()


def float_ternary(seed: int = 0) -> Graph:
    """BackEISNN's crossing: spiking ``h`` (6 LIF), the sign of a real-valued map ``e`` of
    its spikes (a host ``Sign``), the ternary product ``t = sign · h`` (host ``Mul``) and a
    spiking readout ``out`` (3 LIF) whose synapse ``fc`` takes ``t``: on a target with
    graded spikes ``fc`` runs on the chip, fed -1/0/+1 payloads."""
    from snncompile.ir import LIF
    from snncompile.ir.host import Mul
    from snncompile.ir.host_activation import Sign

    rng = np.random.default_rng(seed)
    g = Graph()
    g.add("x", Input(shape=(5,)))
    g.add("h.w", Linear(weight=rng.normal(0.5, 0.6, (6, 5))))
    g.add("h", LIF(shape=(6,), decay=np.asarray(0.7), threshold=np.asarray(1.0)))
    g.add("e", Linear(weight=rng.normal(0.0, 1.0, (6, 6)), bias=rng.normal(0.0, 0.3, 6)))
    g.add("sign", Sign())
    g.add("t", Mul())
    g.add("fc", Linear(weight=rng.normal(0.3, 0.8, (3, 6))))
    g.add("out", LIF(shape=(3,), decay=np.asarray(0.8), threshold=np.asarray(1.0)))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "h.w", "h", "e", "sign")
    g.connect("sign", "t", port="a")
    g.connect("h", "t", port="b")
    g.chain("t", "fc", "out", "y")
    return g.validate()

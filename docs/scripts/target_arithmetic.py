"""The tables of docs/neuromorphic-targets.md: each shipped neuromorphic target's integer
arithmetic as its descriptor states it, a small network that fits it compiled and run on
the emulator (spikes per layer, what the report says is assumed), and what ``compile``
answers for networks that do not fit. Prints Markdown.

    python docs/scripts/target_arithmetic.py
"""

from __future__ import annotations

import numpy as np

from snncompile.compile import build_artifact
from snncompile.emulator import emulate
from snncompile.errors import SnnCompileError
from snncompile.ir import IF, LIF, Conv2d, CubaLIF, Flatten, Graph, Input, Linear, Output
from snncompile.passes.quantize.spec import spec_from_target

TARGETS = ("loihi", "loihi2", "xylo-audio2", "speck", "spinnaker2", "truenorth")
COLUMNS = ("weight_mantissa_bits", "weight_range", "v_bits", "u_bits", "decay_encoding", "rounding", "input_timing",
           "u_overflow", "membrane_update", "comparators", "max_spikes_hidden", "synapse_latency", "input_latency",
           "max_delay", "weight_sharing")
RNG = np.random.default_rng(4)


def _chain(g: Graph, *names: str) -> Graph:
    g.chain(*names)
    return g


def rnn(reset: str = "subtract") -> Graph:
    """6 inputs -> 12 recurrent CubaLIF -> 3 CubaLIF."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=RNG.normal(0.4, 0.5, (12, 6))))
    g.add("hid", CubaLIF(shape=(12,), syn_decay=0.6, decay=0.9, threshold=1.0, reset=reset))
    g.add("rec", Linear(weight=RNG.normal(0, 0.3, (12, 12))))
    g.add("fc2", Linear(weight=RNG.normal(0.3, 0.5, (3, 12))))
    g.add("out", CubaLIF(shape=(3,), syn_decay=0.6, decay=0.9, threshold=1.0, reset=reset))
    g.add("y", Output(shape=(3,)))
    g.connect("hid", "rec")
    g.connect("rec", "hid", delay=1)
    return _chain(g, "x", "fc1", "hid", "fc2", "out", "y")


def lif_net() -> Graph:
    """6 -> 10 LIF -> 3 LIF, zero reset."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=RNG.normal(0.5, 0.5, (10, 6))))
    g.add("hid", LIF(shape=(10,), decay=0.9, threshold=1.0))
    g.add("fc2", Linear(weight=RNG.normal(0.4, 0.5, (3, 10))))
    g.add("out", LIF(shape=(3,), decay=0.9, threshold=1.0))
    g.add("y", Output(shape=(3,)))
    return _chain(g, "x", "fc1", "hid", "fc2", "out", "y")


def ternary_if_net() -> Graph:
    """8 -> 10 IF -> 3 IF, at most 4 weight values per neuron (TrueNorth's axon types)."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(8,)))
    g.add("fc1", Linear(weight=RNG.choice([-0.5, 0.0, 0.5, 1.0], (10, 8))))
    g.add("hid", IF(shape=(10,), threshold=1.0, reset="subtract"))
    g.add("fc2", Linear(weight=RNG.choice([-0.5, 0.0, 0.75], (3, 10))))
    g.add("out", IF(shape=(3,), threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(3,)))
    return _chain(g, "x", "fc1", "hid", "fc2", "out", "y")


def conv_if_net() -> Graph:
    """2x8x8 -> conv 4x8x8 IF -> conv stride 2 4x4x4 IF -> 5 IF."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2, 8, 8)))
    g.add("c1", Conv2d(weight=RNG.normal(0.3, 0.4, (4, 2, 3, 3)), padding=1))
    g.add("n1", IF(shape=(4, 8, 8), threshold=1.0, reset="subtract"))
    g.add("c2", Conv2d(weight=RNG.normal(0.2, 0.4, (4, 4, 3, 3)), stride=2, padding=1))
    g.add("n2", IF(shape=(4, 4, 4), threshold=1.0, reset="subtract"))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=RNG.normal(0.1, 0.2, (5, 64))))
    g.add("n3", IF(shape=(5,), threshold=1.0, reset="subtract"))
    g.add("y", Output(shape=(5,)))
    return _chain(g, "x", "c1", "n1", "c2", "n2", "flat", "fc", "n3", "y")


FITS = {"loihi": lif_net, "loihi2": rnn, "xylo-audio2": rnn, "spinnaker2": rnn, "speck": conv_if_net,
        "truenorth": ternary_if_net}
DOES_NOT_FIT = [("loihi", rnn), ("xylo-audio2", conv_if_net), ("speck", rnn), ("truenorth", rnn)]


def _cell(value) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


def main() -> None:
    specs = {t: spec_from_target(t).to_dict() for t in TARGETS}
    print("| key | " + " | ".join(TARGETS) + " |")
    print("|---" * (len(TARGETS) + 1) + "|")
    for key in COLUMNS:
        cells = [_cell(specs[t][key]) + (" (a)" if key in specs[t]["assumed"] else "") for t in TARGETS]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print("| keys assumed | " + " | ".join(str(len(specs[t]["assumed"])) for t in TARGETS) + " |")
    print()
    print("| target | network | chip nodes | spikes per layer (2 samples, 30 steps) | report |")
    print("|---|---|---|---|---|")
    for target in TARGETS:
        build = FITS[target]
        art = build_artifact(build(), target)
        x = (RNG.random((2, 30, *art.fixed.nodes["x"].shape)) < 0.4).astype(np.int64)
        run = emulate(art.fixed, x, record="neurons")
        spikes = ", ".join(f"{n} {int(r.sum())}" for n, r in run.recorded.items())
        assumed = [n for n in art.report.notes if "assumed, not published" in n]
        print(f"| {target} | {build.__doc__} | {len(art.fixed.nodes)} | {spikes} | "
              f"{'arithmetic assumed: ' + str(len(spec_from_target(target).assumed)) + ' keys' if assumed else ''} |")
    print()
    for target, build in DOES_NOT_FIT:
        try:
            build_artifact(build(), target)
            print(f"- `{target}`, {build.__doc__}: compiled")
        except SnnCompileError as exc:
            print(f"- `{target}`, {build.__doc__}: `{exc}`")


if __name__ == "__main__":
    main()

"""The zoo's networks as MODELs: ``zoo:spikformer``, ``zoo:tim``, ``zoo:tim-intended``,
``zoo:spikmamba``, ``zoo:l2mu``.

Each entry says how to build the trained PyTorch module, its per-step input shape, what
its input carries (Spikformer's static image is real-valued and repeated every step; the
event toys take 0/1 frames) and its held-out data; :func:`zoo_graph` traces it into the IR
with those facts on the ``Input`` node, so nothing about the input is guessed later. A
network whose step keeps state the tracer cannot see (the L2MU's recurrent spikes) states
its IR ``graph`` by hand instead; its module is then what that graph is tested against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from snncompile.errors import InputError
from snncompile.ir import Graph, Input


@dataclass(frozen=True)
class ZooModel:
    build: Callable[[], nn.Module]
    input_shape: tuple[int, ...]
    steps: int
    carries: str  # what the input carries (see ir.Input)
    static: bool
    data: Callable[[str], tuple[np.ndarray, np.ndarray]]  # split -> (inputs, labels)
    description: str
    graph: Callable[[], Graph] | None = None  # a hand-built IR graph instead of tracing build()


def _spikformer() -> nn.Module:
    from snncompile.zoo.spikformer import load_spikformer

    return load_spikformer()


def _tim(thresholds: str) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from snncompile.zoo.tim import load_tim

        return load_tim(thresholds)

    return build


def _spikmamba() -> nn.Module:
    from snncompile.zoo.spikmamba import load_spikmamba

    return load_spikmamba()


def _static(split: str) -> tuple[np.ndarray, np.ndarray]:
    from snncompile.zoo import data

    return data.static_sequence(split)


def _events(steps: int, depth_axis: bool = False) -> Callable[[str], tuple[np.ndarray, np.ndarray]]:
    def read(split: str) -> tuple[np.ndarray, np.ndarray]:
        from snncompile.zoo import data

        return data.event_sequence(split, steps, depth_axis)

    return read


def _l2mu_module() -> nn.Module:
    from snncompile.zoo.l2mu import WEIGHTS, l2mu_module

    return l2mu_module(WEIGHTS)


def _l2mu_graph() -> Graph:
    from snncompile.zoo.l2mu import WEIGHTS, load_l2mu

    return load_l2mu(WEIGHTS)


def _braille(split: str) -> tuple[np.ndarray, np.ndarray]:
    from snncompile.zoo.l2mu import braille

    return braille(split)


ZOO: dict[str, ZooModel] = {
    "spikformer": ZooModel(_spikformer, (2, 16, 16), 4, "values", True, _static,
                           "toy A: Spikformer V2 (static digit image, T = 4)"),
    "tim": ZooModel(_tim("as_coded"), (2, 16, 16), 6, "spikes", False, _events(6),
                    "toy B: Spikformer + TIM, thresholds as coded (event frames, T = 6)"),
    "tim-intended": ZooModel(_tim("as_intended"), (2, 16, 16), 6, "spikes", False, _events(6),
                             "toy B: Spikformer + TIM, thresholds as intended (event frames, T = 6)"),
    "spikmamba": ZooModel(_spikmamba, (2, 1, 16, 16), 4, "spikes", False, _events(4, depth_axis=True),
                          "toy C: SpikMamba (event frames, T = 4)"),
    "l2mu": ZooModel(_l2mu_module, (12,), 256, "spikes", False, _braille,
                     "G: the trained L2MU for 7-class Braille (12 taxels, T = 256)", graph=_l2mu_graph),
}


def zoo_entry(name: str) -> ZooModel:
    if name not in ZOO:
        raise InputError(f"zoo:{name}: unknown zoo model; known: {', '.join('zoo:' + k for k in ZOO)}")
    return ZOO[name]


def zoo_graph(name: str, dt: float | None = None) -> Graph:
    """Zoo model ``name`` traced into the IR, its Input stating what it carries."""
    from snncompile.frontends.torch import trace

    entry = zoo_entry(name)
    if entry.graph is not None:
        graph = entry.graph()
        graph = graph if dt is None else Graph(dict(graph.nodes), list(graph.edges), dt)
    else:
        graph = trace(entry.build(), entry.input_shape, dt=dt)
    for n in graph.inputs:
        node = graph.nodes[n]
        assert isinstance(node, Input)
        graph.nodes[n] = node.replace(carries=entry.carries, static=entry.static)
    return graph.validate()

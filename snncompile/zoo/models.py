"""The zoo's networks as MODELs: ``zoo:spikformer``, ``zoo:tim``, ``zoo:tim-intended``,
``zoo:spikmamba``, ``zoo:relpsp`` (and ``zoo:l2mu``'s graph lives in :mod:`snncompile.zoo.l2mu`).

Each entry says how to build the trained PyTorch module, its per-step input shape, what
its input carries (Spikformer's static image is real-valued and repeated every step; the
event toys take 0/1 frames) and its held-out data; :func:`zoo_graph` traces it into the IR
with those facts on the ``Input`` node, so nothing about the input is guessed later.
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


def _relpsp() -> nn.Module:
    from snncompile.zoo.relpsp import load_relpsp

    return load_relpsp()


def _relpsp_data(split: str) -> tuple[np.ndarray, np.ndarray]:
    from snncompile.zoo import relpsp

    return relpsp.data(split)


def _static(split: str) -> tuple[np.ndarray, np.ndarray]:
    from snncompile.zoo import data

    return data.static_sequence(split)


def _events(steps: int, depth_axis: bool = False) -> Callable[[str], tuple[np.ndarray, np.ndarray]]:
    def read(split: str) -> tuple[np.ndarray, np.ndarray]:
        from snncompile.zoo import data

        return data.event_sequence(split, steps, depth_axis)

    return read


ZOO: dict[str, ZooModel] = {
    "spikformer": ZooModel(_spikformer, (2, 16, 16), 4, "values", True, _static,
                           "toy A: Spikformer V2 (static digit image, T = 4)"),
    "tim": ZooModel(_tim("as_coded"), (2, 16, 16), 6, "spikes", False, _events(6),
                    "toy B: Spikformer + TIM, thresholds as coded (event frames, T = 6)"),
    "tim-intended": ZooModel(_tim("as_intended"), (2, 16, 16), 6, "spikes", False, _events(6),
                             "toy B: Spikformer + TIM, thresholds as intended (event frames, T = 6)"),
    "spikmamba": ZooModel(_spikmamba, (2, 1, 16, 16), 4, "spikes", False, _events(4, depth_axis=True),
                          "toy C: SpikMamba (event frames, T = 4)"),
    "relpsp": ZooModel(_relpsp, (64,), 24, "spikes", False, _relpsp_data,
                       "ReL-PSP: single-spike timing, first output spike is the class (digits, T = 24)"),
}


def zoo_entry(name: str) -> ZooModel:
    if name not in ZOO:
        raise InputError(f"zoo:{name}: unknown zoo model; known: {', '.join('zoo:' + k for k in ZOO)}")
    return ZOO[name]


def zoo_graph(name: str, dt: float | None = None) -> Graph:
    """Zoo model ``name`` traced into the IR, its Input stating what it carries."""
    from snncompile.frontends.torch import trace

    entry = zoo_entry(name)
    graph = trace(entry.build(), entry.input_shape, dt=dt)
    for n in graph.inputs:
        node = graph.nodes[n]
        assert isinstance(node, Input)
        graph.nodes[n] = node.replace(carries=entry.carries, static=entry.static)
    return graph.validate()

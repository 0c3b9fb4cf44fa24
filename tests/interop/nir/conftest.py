"""Shared data paths and IR graphs covering every node type NIR can express."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from snncompile.ir import (
    IF,
    LI,
    LIF,
    Add,
    AvgPool2d,
    Comparator,
    Conv1d,
    Conv2d,
    CubaLI,
    CubaLIF,
    Delay,
    Flatten,
    Graph,
    Input,
    Integrator,
    Linear,
    Output,
    Reset,
    ResetTiming,
    Scale,
    SumPool2d,
    Threshold,
)

DATA = Path(__file__).resolve().parents[2] / "data"


def conv_graph(rng: np.random.Generator) -> Graph:
    """Conv2d (bias and none), LIF (scalar and per-neuron coefficients, subtract delayed),
    SumPool2d, IF (>=), AvgPool2d, Flatten, Linear without bias, CubaLIF."""
    g = Graph(dt=1e-3)
    g.add("in", Input(shape=(2, 8, 8)))
    g.add("conv1", Conv2d(weight=rng.normal(size=(4, 2, 3, 3)), bias=rng.normal(size=4), padding=(1, 1)))
    g.add("lif1", LIF(shape=(4, 8, 8), decay=0.9, gain=rng.uniform(0.5, 1, size=(4, 8, 8)), bias=0.01,
                      threshold=1.0, reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED))
    g.add("pool1", SumPool2d(kernel_size=(2, 2)))
    g.add("conv2", Conv2d(weight=rng.normal(size=(4, 4, 3, 3)), stride=(1, 1), dilation=(1, 1)))
    g.add("if1", IF(shape=(4, 2, 2), gain=np.full((4, 1, 1), 0.5), threshold=0.7, comparator=Comparator.GE))
    g.add("pool2", AvgPool2d(kernel_size=(2, 2), stride=(2, 2)))
    g.add("flat", Flatten(start_dim=0))
    g.add("fc", Linear(weight=rng.normal(size=(3, 4))))
    g.add("out_lif", CubaLIF(shape=(3,), syn_decay=0.5, syn_gain=2.0, decay=rng.uniform(0.6, 0.95, size=3),
                             gain=1.0, bias=0.0, threshold=rng.uniform(0.5, 1.5, size=3), v_reset=-0.1))
    g.add("out", Output(shape=(3,)))
    g.chain("in", "conv1", "lif1", "pool1", "conv2", "if1", "pool2", "flat", "fc", "out_lif", "out")
    return g.validate()


def misc_graph(rng: np.random.Generator) -> Graph:
    """Conv1d, Scale, Threshold, Delay, Affine, LI, Integrator, Add, CubaLI, two inputs."""
    g = Graph(dt=1e-4)
    g.add("x", Input(shape=(2, 10)))
    g.add("conv", Conv1d(weight=rng.normal(size=(3, 2, 3)), bias=rng.normal(size=3)))
    g.add("flat", Flatten())
    g.add("scale", Scale(scale=rng.normal(size=24)))
    g.add("th", Threshold(threshold=0.2))
    g.add("delay", Delay(delay=rng.integers(0, 4, size=24)))
    g.add("aff", Linear(weight=rng.normal(size=(5, 24)), bias=rng.normal(size=5)))
    g.add("li", LI(shape=(5,), decay=0.8, gain=0.2, bias=rng.normal(size=5)))
    g.add("y", Input(shape=(5,)))
    g.add("integ", Integrator(shape=(5,), gain=rng.uniform(0.1, 1, size=5)))
    g.add("sum", Add())
    g.add("cuba", CubaLI(shape=(5,), syn_decay=rng.uniform(0.1, 0.9, size=5), syn_gain=1.5, decay=0.7, gain=0.3))
    g.add("out", Output(shape=(5,)))
    g.chain("x", "conv", "flat", "scale", "th", "delay", "aff", "li", "sum", "cuba", "out")
    g.chain("y", "integ", "sum")
    return g.validate()


def recurrent_graph(rng: np.random.Generator) -> Graph:
    """The NIR paper's Braille topology with dotted names, plus a delayed back edge
    (2 steps: needs a Delay node) and a delayed forward edge (3 steps)."""
    g = Graph(dt=1e-4)
    g.add("input", Input(shape=(12,)))
    g.add("fc1", Linear(weight=rng.normal(size=(6, 12)), bias=rng.normal(size=6)))
    g.add("lif1.lif", CubaLIF(shape=(6,), syn_decay=0.55, syn_gain=1.0, decay=0.9, gain=1.0))
    g.add("lif1.w_rec", Linear(weight=rng.normal(size=(6, 6)), bias=rng.normal(size=6)))
    g.add("fc2", Linear(weight=rng.normal(size=(4, 6))))
    g.add("lif2", LIF(shape=(4,), decay=0.55, gain=1.0, reset=Reset.SUBTRACT))
    g.add("output", Output(shape=(4,)))
    g.chain("input", "fc1", "lif1.lif", "lif1.w_rec")
    g.connect("lif1.w_rec", "lif1.lif", delay=1)
    g.connect("lif1.lif", "fc2", delay=3)
    g.chain("fc2", "lif2", "output")
    g.connect("lif2", "lif2", delay=2)  # a self-loop needing a Delay node
    return g.validate()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def examples() -> dict:
    """name -> builder(rng) of the example graphs above."""
    return {"conv": conv_graph, "misc": misc_graph, "recurrent": recurrent_graph}


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(autouse=True)
def _torch_rng_untouched():
    """These tests seed and draw torch's global generator (framework models initialise
    their weights from it): restore it, so tests elsewhere see the state they would see
    without these."""
    import torch

    with torch.random.fork_rng():
        yield

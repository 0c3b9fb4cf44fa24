"""Property test: random layered spiking graphs (every neuron kind, reset, timing and
comparator, edge delays, Delay nodes, recurrence) export and match the reference.

Weights are quarters, decays and gains are dyadic and inputs are 0/1, so every matrix
product is exact in float32 whatever the summation order: spike trains must then agree
exactly, including ties at the threshold. Non-spiking kinds only appear as the readout
(their real-valued outputs would make the next product order-dependent).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from snncompile.ir import (
    IF,
    LI,
    LIF,
    AvgPool2d,
    BatchNorm,
    Comparator,
    Conv2d,
    CubaLI,
    CubaLIF,
    Delay,
    Flatten,
    Graph,
    Input,
    Integrator,
    Linear,
    MaxPool2d,
    Output,
    Reset,
    ResetTiming,
    SumPool2d,
)

DYADIC = [0.5, 0.75, 0.875, 1.0]


@st.composite
def spiking_neuron(draw, size: int | tuple[int, ...]):
    kind = draw(st.sampled_from([LIF, IF, CubaLIF]))
    fields = dict(
        shape=(size,) if isinstance(size, int) else size,
        threshold=draw(st.sampled_from([0.5, 0.75, 1.0, 1.5])),
        reset=draw(st.sampled_from(list(Reset))),
        reset_timing=draw(st.sampled_from(list(ResetTiming))),
        comparator=draw(st.sampled_from(list(Comparator))),
        v_reset=draw(st.sampled_from([0.0, -0.25, 0.25])),
        bias=draw(st.sampled_from([0.0, 0.125])),
    )
    if kind is not IF:
        fields["decay"] = draw(st.sampled_from(DYADIC))
    if kind is CubaLIF:
        fields["syn_decay"] = draw(st.sampled_from(DYADIC))
    return kind(**fields)


@st.composite
def readout(draw, size: int):
    kind = draw(st.sampled_from([LI, CubaLI, Integrator, LIF]))
    fields: dict = dict(shape=(size,), gain=draw(st.sampled_from([0.5, 1.0])))
    if kind is not Integrator:
        fields["decay"] = draw(st.sampled_from(DYADIC))
    if kind is CubaLI:
        fields["syn_decay"] = draw(st.sampled_from(DYADIC))
    return kind(**fields)


def quarters(draw, shape) -> np.ndarray:
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).integers(-3, 6, size=shape) / 4


@st.composite
def layered_graph(draw) -> Graph:
    g = Graph()
    width = draw(st.integers(2, 5))
    g.add("x", Input(shape=(width,)))
    prev = "x"
    layers = draw(st.integers(1, 3))
    for k in range(layers):
        size = draw(st.integers(2, 6))
        w, n = f"w{k}", f"n{k}"
        bias = quarters(draw, (size,)) if draw(st.booleans()) else None
        g.add(w, Linear(weight=quarters(draw, (size, width)), bias=bias))
        g.add(n, draw(spiking_neuron(size)))
        g.connect(prev, w, delay=draw(st.sampled_from([0, 0, 1, 2])))
        g.connect(w, n)
        if draw(st.booleans()):
            g.add(f"r{k}", Linear(weight=quarters(draw, (size, size))))
            g.connect(n, f"r{k}")
            g.connect(f"r{k}", n, delay=draw(st.integers(1, 3)))
        prev, width = n, size
        if draw(st.booleans()):
            g.add(f"d{k}", Delay(delay=np.asarray(draw(st.lists(st.integers(0, 3), min_size=size, max_size=size)))))
            g.connect(prev, f"d{k}")
            prev = f"d{k}"
    g.add("w_out", Linear(weight=quarters(draw, (3, width))))
    g.add("out", draw(readout(3)))
    g.add("y", Output(shape=(3,)))
    g.chain(prev, "w_out", "out", "y")
    return g


@settings(max_examples=30, deadline=None, derandomize=True)
@given(graph=layered_graph(), seed=st.integers(0, 1000))
def test_random_layered_graphs_match_reference(against_reference, graph, seed):
    x = (np.random.default_rng(seed).random((2, 16, graph.nodes["x"].shape[0])) < 0.5).astype(np.float32)
    against_reference(graph, x)


@st.composite
def conv_graph(draw) -> Graph:
    """Conv2d (random stride, padding, dilation, groups) -> [BatchNorm] -> neuron ->
    [Sum/Avg/Max pool] -> Flatten -> Linear -> neuron -> Output. BatchNorm's std is a
    power of two and pools have 2x2 windows, so every value stays dyadic."""
    channels, groups = draw(st.sampled_from([(1, 1), (2, 1), (2, 2), (3, 3)]))
    height, width = draw(st.integers(4, 7)), draw(st.integers(4, 7))
    out_channels = groups * draw(st.integers(1, 2))
    kernel = draw(st.integers(1, 3))
    conv = Conv2d(weight=quarters(draw, (out_channels, channels // groups, kernel, kernel)),
                  bias=quarters(draw, (out_channels,)) if draw(st.booleans()) else None,
                  stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1)),
                  dilation=draw(st.integers(1, 2)), groups=groups)
    shape = conv.output_shape((channels, height, width))
    assume(min(shape[1:]) >= 2)
    g = Graph()
    g.add("img", Input(shape=(channels, height, width)))
    g.add("conv", conv)
    g.connect("img", "conv")
    prev = "conv"
    if draw(st.booleans()):
        g.add("bn", BatchNorm(mean=quarters(draw, (out_channels,)), var=np.full(out_channels, 4.0),
                              weight=quarters(draw, (out_channels,)), bias=quarters(draw, (out_channels,)), eps=0.0))
        g.connect(prev, "bn")
        prev = "bn"
    g.add("n0", draw(spiking_neuron(shape)))
    g.connect(prev, "n0")
    prev = "n0"
    if shape == (channels, height, width) and draw(st.booleans()):
        g.connect("n0", "conv", delay=draw(st.integers(1, 2)))  # recurrence through the conv
    kind = draw(st.sampled_from([None, SumPool2d, AvgPool2d, MaxPool2d]))
    if kind is not None:
        pool = kind(kernel_size=2, stride=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1)))
        g.add("pool", pool)
        g.connect(prev, "pool")
        prev, shape = "pool", pool.output_shape(shape)
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=quarters(draw, (4, int(np.prod(shape))))))
    g.add("n1", draw(spiking_neuron(4)))
    g.add("y", Output(shape=(4,)))
    g.chain(prev, "flat", "fc", "n1", "y")
    return g


@settings(max_examples=20, deadline=None, derandomize=True)
@given(graph=conv_graph(), seed=st.integers(0, 1000))
def test_random_conv_graphs_match_reference(against_reference, graph, seed):
    x = (np.random.default_rng(seed).random((2, 10, *graph.nodes["img"].shape)) < 0.4).astype(np.float32)
    against_reference(graph, x)

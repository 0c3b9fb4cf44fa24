"""Every node kind exports, and ONNX Runtime reproduces the float32 reference run."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from snncompile.backends.onnx import run_onnx, to_onnx
from snncompile.backends.onnx.emitters import EMITTERS, NOT_EXPORTED, emitter_for
from snncompile.ir import (
    IF,
    LI,
    LIF,
    NODE_TYPES,
    Add,
    AvgPool2d,
    BatchNorm,
    Comparator,
    Constant,
    Conv1d,
    Conv2d,
    Conv3d,
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
    Scale,
    SumPool2d,
    Threshold,
)
from snncompile.ir.stage import Stage
from snncompile.simulate.kernels import KERNEL_BUILDERS


def test_constant_and_conv3d(against_reference, spikes_like):
    """A constant (position embedding) added to a Conv3d over (C, D, H, W) frames."""
    rng = np.random.default_rng(5)
    g = Graph()
    g.add("x", Input(shape=(2, 1, 8, 8)))
    g.add("embed", Conv3d(weight=rng.normal(0, 0.5, (4, 2, 1, 4, 4)), bias=rng.normal(0, 0.1, 4),
                          stride=(1, 4, 4)))
    g.add("pos", Constant(value=rng.normal(0, 0.3, (4, 1, 2, 2))))
    g.add("sum", Add())
    g.add("flat", Flatten())
    g.add("lif", LIF(shape=(16,), decay=0.5, threshold=0.5))
    g.add("y", Output(shape=(16,)))
    g.chain("x", "embed", "sum", "flat", "lif", "y")
    g.connect("pos", "sum")
    spikes = against_reference(g, spikes_like((3, 12, 2, 1, 8, 8), 0.5))
    assert 0 < spikes["lif"] < 3 * 12 * 16


def test_every_float_ir_kind_the_reference_runs_has_an_emitter():
    float_ir = [cls for cls in NODE_TYPES.values() if cls.stage is not Stage.INTEGER]
    assert len(float_ir) >= 20
    for cls in float_ir:
        if cls.kind != "Input" and any(base in KERNEL_BUILDERS for base in cls.__mro__):
            assert cls in EMITTERS or cls in NOT_EXPORTED, f"no ONNX emitter for {cls.kind}"


def _dyadic_mlp(reset: Reset, timing: ResetTiming, comparator: Comparator) -> Graph:
    """Weights in quarters, decay 1/2, 0/1 inputs: every value is exact in float32, so
    membranes land exactly on the threshold and GT/GE and reset details all show."""
    rng = np.random.default_rng(1)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc1", Linear(weight=rng.integers(-2, 5, size=(8, 6)) / 4))
    neuron = dict(reset=reset, reset_timing=timing, comparator=comparator)
    g.add("lif1", LIF(shape=(8,), decay=0.5, threshold=np.linspace(0.5, 1.5, 8) // 0.25 * 0.25,
                      v_reset=0.25 if reset is Reset.ZERO else 0.0, **neuron))
    g.add("fc2", Linear(weight=rng.integers(-2, 5, size=(4, 8)) / 4, bias=np.full(4, 0.25)))
    g.add("lif2", LIF(shape=(4,), decay=0.75, threshold=1.0, **neuron))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc1", "lif1", "fc2", "lif2", "y")
    return g


@pytest.mark.parametrize(
    "reset,timing,comparator", list(itertools.product(Reset, ResetTiming, Comparator)),
    ids=lambda v: v.name,
)
def test_lif_mlp_every_reset_timing_comparator(reset, timing, comparator, against_reference, spikes_like):
    spikes = against_reference(_dyadic_mlp(reset, timing, comparator), spikes_like((3, 24, 6), 0.5))
    for layer, size in (("lif1", 3 * 24 * 8), ("lif2", 3 * 24 * 4)):
        assert 0 < spikes[layer] < size, f"{layer} silent or saturated: {spikes[layer]}"


@pytest.mark.parametrize("reset,timing", [(Reset.ZERO, ResetTiming.DELAYED), (Reset.SUBTRACT, ResetTiming.DELAYED),
                                          (Reset.ZERO, ResetTiming.IMMEDIATE)], ids=lambda v: v.name)
def test_refractory_periods(reset, timing, against_reference, spikes_like):
    g = _dyadic_mlp(reset, timing, Comparator.GT)
    g.nodes["lif1"] = g.nodes["lif1"].replace(refractory=2)
    g.nodes["lif2"] = g.nodes["lif2"].replace(refractory=1)
    spikes = against_reference(g, spikes_like((3, 24, 6), 0.6))
    assert spikes["lif1"] > 20 and spikes["lif2"] > 5


def test_ge_and_gt_give_different_spikes_on_exact_ties(spikes_like):
    pytest.importorskip("onnxruntime")
    x = spikes_like((3, 24, 6), 0.5)
    runs = [run_onnx(to_onnx(_dyadic_mlp(Reset.SUBTRACT, ResetTiming.IMMEDIATE, c)), x).output()
            for c in (Comparator.GT, Comparator.GE)]
    assert runs[1].sum() > runs[0].sum()


def test_every_neuron_kind_with_float_parameters(against_reference, spikes_like):
    rng = np.random.default_rng(2)
    kinds = {
        "if": IF(shape=(5,), gain=0.8, bias=0.05, reset=Reset.SUBTRACT),
        "lif": LIF(shape=(5,), decay=rng.uniform(0.7, 0.95, 5), gain=1.2, bias=0.02, v_reset=-0.1),
        "cubalif": CubaLIF(shape=(5,), syn_decay=0.8, syn_gain=0.9, decay=0.85, gain=1.1, bias=0.01,
                           reset_timing=ResetTiming.DELAYED, reset=Reset.SUBTRACT, comparator=Comparator.GE),
        "li": LI(shape=(5,), decay=0.9, gain=0.5, bias=0.1),
        "cubali": CubaLI(shape=(5,), syn_decay=0.7, syn_gain=1.0, decay=0.9, gain=0.3, bias=-0.05),
        "integrator": Integrator(shape=(5,), gain=0.2, bias=0.01),
    }
    g = Graph()
    g.add("x", Input(shape=(4,)))
    for name, node in kinds.items():
        g.add(f"{name}_w", Linear(weight=rng.normal(0, 0.8, (5, 4)), bias=rng.normal(0, 0.1, 5)))
        g.add(name, node)
        g.add(f"{name}_out", Output(shape=(5,)))
        g.chain("x", f"{name}_w", name, f"{name}_out")
    spikes = against_reference(g, spikes_like((4, 30, 4), 0.5, seed=3))
    for name in ("if", "lif", "cubalif"):
        assert spikes[name] > 0


def test_cuba_recurrent_network_with_back_edge(against_reference, spikes_like):
    rng = np.random.default_rng(4)
    g = Graph()
    g.add("x", Input(shape=(10,)))
    g.add("w_in", Linear(weight=rng.normal(0, 0.6, (16, 10))))
    g.add("cuba", CubaLIF(shape=(16,), syn_decay=0.75, decay=0.9, threshold=1.0))
    g.add("w_rec", Linear(weight=rng.normal(0, 0.3, (16, 16))))
    g.add("w_out", Linear(weight=rng.normal(0, 0.5, (3, 16)), bias=np.zeros(3)))
    g.add("readout", CubaLI(shape=(3,), syn_decay=0.8, decay=0.9))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "w_in", "cuba", "w_out", "readout", "y")
    g.connect("cuba", "w_rec")
    g.connect("w_rec", "cuba", delay=1)
    spikes = against_reference(g, spikes_like((5, 40, 10), 0.3, seed=5))
    assert 0 < spikes["cuba"] < 5 * 40 * 16


def test_conv_net_with_pools_batchnorm_and_residual_add(against_reference, spikes_like):
    rng = np.random.default_rng(6)
    g = Graph()
    g.add("img", Input(shape=(2, 8, 8)))
    g.add("conv1", Conv2d(weight=rng.normal(0, 0.5, (4, 2, 3, 3)), bias=rng.normal(0, 0.1, 4), padding=1))
    g.add("bn", BatchNorm(mean=rng.normal(0, 0.1, 4), var=rng.uniform(0.5, 2, 4),
                          weight=rng.uniform(0.5, 1.5, 4), bias=rng.normal(0, 0.1, 4), eps=1e-3))
    g.add("lif1", LIF(shape=(4, 8, 8), decay=0.9))
    g.add("sum_pool", SumPool2d(kernel_size=2))
    g.add("conv2", Conv2d(weight=rng.normal(0, 0.6, (4, 2, 3, 3)), padding=2, dilation=2, groups=2))
    g.add("lif2", LIF(shape=(4, 4, 4), decay=0.8, reset=Reset.SUBTRACT))
    g.add("res", Add())
    g.add("avg_pool", AvgPool2d(kernel_size=3, stride=1, padding=1))
    g.add("max_pool", MaxPool2d(kernel_size=2, stride=(1, 2), padding=(1, 0)))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=rng.normal(0, 0.3, (5, 4 * 5 * 2)), bias=rng.normal(0, 0.1, 5)))
    g.add("lif3", LIF(shape=(5,), decay=0.9, comparator=Comparator.GE))
    g.add("y", Output(shape=(5,)))
    g.chain("img", "conv1", "bn", "lif1", "sum_pool", "conv2", "lif2", "res", "avg_pool", "max_pool", "flat", "fc", "lif3", "y")
    g.connect("sum_pool", "res")
    spikes = against_reference(g, spikes_like((3, 12, 2, 8, 8), 0.3, seed=7))
    assert spikes["lif1"] > 0 and spikes["lif2"] > 0 and spikes["lif3"] > 0


def test_conv1d_stride_padding_dilation_groups_and_flatten(against_reference, spikes_like):
    rng = np.random.default_rng(8)
    g = Graph()
    g.add("sig", Input(shape=(2, 16)))
    g.add("conv", Conv1d(weight=rng.normal(0, 0.7, (4, 1, 3)), bias=rng.normal(0, 0.1, 4),
                         stride=2, padding=1, dilation=2, groups=2))
    g.add("if", IF(shape=(4, 7), reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED))
    g.add("flat", Flatten(start_dim=0, end_dim=1))
    g.add("fc", Linear(weight=rng.normal(0, 0.4, (3, 28))))
    g.add("li", LI(shape=(3,), decay=0.9))
    g.add("y", Output(shape=(3,)))
    g.chain("sig", "conv", "if", "flat", "fc", "li", "y")
    assert against_reference(g, spikes_like((2, 15, 2, 16), 0.5, seed=9))["if"] > 0


def test_edge_delays_and_delay_nodes(against_reference, spikes_like):
    rng = np.random.default_rng(10)
    g = Graph()
    g.add("x", Input(shape=(6,)))
    g.add("fc", Linear(weight=rng.normal(0, 0.8, (6, 6))))
    g.add("a", LIF(shape=(6,), decay=0.8, threshold=0.5))
    g.add("per_neuron", Delay(delay=np.array([0, 1, 2, 3, 5, 1])))
    g.add("uniform", Delay(delay=2))
    g.add("none", Delay(delay=0))
    g.add("mix", Linear(weight=rng.normal(0, 0.6, (4, 6))))
    g.add("b", LIF(shape=(4,), decay=0.9, threshold=0.5))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "a", "per_neuron", "mix", "b", "y")
    g.chain("a", "uniform")
    g.chain("uniform", "none")
    g.connect("none", "mix", delay=1)
    g.connect("a", "mix", delay=2)  # `a` feeds mix through a FIFO of depth 4 ...
    g.connect("a", "mix", delay=4)  # ... shared by both delayed edges
    g.connect("x", "fc", delay=3)  # a delayed edge from the input
    spikes = against_reference(g, spikes_like((3, 20, 6), 0.4, seed=11), steps=26)
    assert spikes["a"] > 0 and spikes["b"] > 0


def test_scale_threshold_and_several_inputs_and_outputs(against_reference, spikes_like):
    rng = np.random.default_rng(12)
    g = Graph()
    g.add("u", Input(shape=(3, 4)))
    g.add("w", Input(shape=(3, 4)))
    g.add("scale", Scale(scale=rng.uniform(0.5, 2.0, (3, 1))))
    g.add("gt", Threshold(threshold=0.9))
    g.add("ge", Threshold(threshold=np.array([0.0, 1.0, 2.0, 3.0]), comparator=Comparator.GE))
    g.add("sum", Output(shape=(3, 4)))
    g.add("spikes", Output(shape=(3, 4)))
    g.connect("u", "scale")
    g.connect("w", "scale")
    g.chain("scale", "gt", "spikes")
    g.chain("scale", "ge")
    g.connect("ge", "spikes", delay=1)
    g.connect("scale", "sum")
    x = {"u": spikes_like((2, 8, 3, 4), 0.5, seed=13), "w": spikes_like((2, 8, 3, 4), 0.5, seed=14)}
    spikes = against_reference(g, x)
    assert spikes["gt"] > 0 and spikes["ge"] > 0


@pytest.mark.parametrize("opset", [13, 17, 21])
def test_opsets(opset, against_reference, spikes_like):
    graph = _dyadic_mlp(Reset.ZERO, ResetTiming.DELAYED, Comparator.GT)
    assert against_reference(graph, spikes_like((2, 10, 6), 0.5), opset=opset)["lif1"] > 0


def test_unknown_kinds_and_subclasses_are_refused_not_guessed():
    from snncompile.errors import UnsupportedError
    from snncompile.ir import Node

    class Mystery(Node):
        kind = "Mystery"

    class OtherLIF(LIF):  # e.g. a fixed-point neuron: same base, other meaning
        kind = "OtherLIF"

    with pytest.raises(UnsupportedError, match="node 'm': the ONNX exporter has no emitter for node kind 'Mystery' "
                       r"\(it exports float graphs of kinds Add, AvgPool2d"):
        emitter_for("m", Mystery())
    with pytest.raises(UnsupportedError, match="no emitter for node kind 'OtherLIF'"):
        emitter_for("o", OtherLIF(shape=(1,)))


def test_delays_on_image_tensors(against_reference, spikes_like):
    """Per-channel Delay (broadcast over H, W) and a delayed edge on (C, H, W) tensors."""
    rng = np.random.default_rng(15)
    g = Graph()
    g.add("img", Input(shape=(3, 5, 5)))
    g.add("conv", Conv2d(weight=rng.normal(0, 0.6, (3, 3, 3, 3)), padding=1))
    g.add("lif", LIF(shape=(3, 5, 5), decay=0.85, threshold=0.6))
    g.add("per_channel", Delay(delay=np.array([1, 0, 3]).reshape(3, 1, 1)))
    g.add("pool", MaxPool2d(kernel_size=2, stride=1))
    g.add("y", Output(shape=(3, 4, 4)))
    g.chain("img", "conv", "lif", "per_channel", "pool", "y")
    g.connect("lif", "conv", delay=2)  # recurrence through the convolution
    assert against_reference(g, spikes_like((2, 14, 3, 5, 5), 0.3, seed=16))["lif"] > 0


def test_per_synapse_delays_on_linear_and_conv(against_reference, spikes_like):
    rng = np.random.default_rng(8)
    g = Graph()
    g.add("x", Input(shape=(3, 8)))
    g.add("conv", Conv1d(weight=rng.normal(0, 0.6, (4, 3, 3)), bias=rng.normal(0, 0.1, 4), padding=1,
                         delays=rng.integers(0, 4, (4, 3, 3))))
    g.add("lif1", LIF(shape=(4, 8), decay=0.8, threshold=0.7))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=rng.normal(0, 0.4, (5, 32)), bias=rng.normal(0, 0.1, 5),
                       delays=rng.integers(0, 6, (5, 32))))
    g.add("lif2", LIF(shape=(5,), decay=0.9, threshold=0.5))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "conv", "lif1", "flat", "fc", "lif2", "y")
    spikes = against_reference(g, spikes_like((3, 20, 3, 8), 0.4))
    assert 0 < spikes["lif2"] < 3 * 20 * 5

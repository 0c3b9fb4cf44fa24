"""The step model is plain ONNX: onnx's own numpy ReferenceEvaluator, a second runtime
we did not write, computes the same steps as ONNX Runtime and the reference simulator.

Every value is dyadic (weights in quarters, 0/1 inputs, BatchNorm std a power of two,
2x2 average pools), so all three must agree exactly whatever their summation order.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from onnx.reference import ReferenceEvaluator

from snncompile.backends.onnx import run_onnx, to_onnx, to_onnx_sequence
from snncompile.ir import (
    LIF,
    Add,
    AvgPool2d,
    BatchNorm,
    Comparator,
    Conv2d,
    CubaLIF,
    Delay,
    Flatten,
    Graph,
    Input,
    Linear,
    MaxPool2d,
    Output,
    Reset,
    ResetTiming,
    Scale,
    SumPool2d,
    Threshold,
)
from snncompile.simulate import simulate

pytest.importorskip("onnxruntime")


def _every_kind() -> Graph:
    rng = np.random.default_rng(20)

    def quarters(*shape):
        return rng.integers(-3, 6, size=shape) / 4

    g = Graph()
    g.add("img", Input(shape=(2, 6, 6)))
    g.add("conv", Conv2d(weight=quarters(2, 1, 3, 3), bias=quarters(2), padding=1, groups=2))
    g.add("bn", BatchNorm(mean=np.array([0.25, 0.0]), var=np.array([1.0, 4.0]), weight=np.array([0.5, 1.0]),
                          bias=np.array([0.0, 0.25]), eps=0.0))
    g.add("lif", LIF(shape=(2, 6, 6), decay=0.5, threshold=0.5, reset_timing=ResetTiming.DELAYED))
    g.add("sum", SumPool2d(kernel_size=2))
    g.add("avg", AvgPool2d(kernel_size=2, stride=1))
    g.add("max", MaxPool2d(kernel_size=2, stride=1))
    g.add("res", Add())
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=quarters(5, 8), bias=quarters(5)))
    g.add("cuba", CubaLIF(shape=(5,), syn_decay=0.75, decay=0.5, reset=Reset.SUBTRACT, comparator=Comparator.GE))
    g.add("rec", Linear(weight=quarters(5, 5)))
    g.add("late", Delay(delay=np.array([0, 1, 2, 3, 1])))
    g.add("scale", Scale(scale=2.0))
    g.add("th", Threshold(threshold=1.0, comparator=Comparator.GE))
    g.add("y", Output(shape=(5,)))
    g.chain("img", "conv", "bn", "lif", "sum", "avg", "res", "flat", "fc", "cuba", "late", "scale", "th", "y")
    g.chain("sum", "max")
    g.connect("max", "res", delay=1)
    g.chain("cuba", "rec")
    g.connect("rec", "cuba", delay=2)
    return g


def test_onnx_reference_evaluator_agrees_with_onnxruntime_and_the_simulator():
    graph = _every_kind()
    x = (np.random.default_rng(21).random((2, 12, 2, 6, 6)) < 0.4).astype(np.float32)
    model = to_onnx(graph, record=["lif", "cuba"])
    evaluator = ReferenceEvaluator(model)
    names = [o.name for o in model.graph.output]
    state = {i.name: np.zeros([2, *[d.dim_value for d in i.type.tensor_type.shape.dim[1:]]], np.float32)
             for i in model.graph.input if i.name.startswith("state.")}
    steps = []
    for t in range(x.shape[1]):
        out = dict(zip(names, evaluator.run(None, {"img": x[:, t], **state})))
        steps.append(out)
        state = {n: out[n + ".next"] for n in state}
    by_numpy = {n: np.stack([s[n] for s in steps], axis=1) for n in ("y", "record.lif", "record.cuba")}
    by_ort = run_onnx(model, x)
    by_ref = simulate(graph, x, record=["lif", "cuba"], dtype=torch.float32)
    assert by_ref.recorded["lif"].sum() > 0 and by_ref.recorded["cuba"].sum() > 0 and by_ref.output().sum() > 0
    for name, ref in (("y", by_ref.output()), ("lif", by_ref.recorded["lif"]), ("cuba", by_ref.recorded["cuba"])):
        key = name if name == "y" else f"record.{name}"
        ort_value = by_ort.outputs["y"] if name == "y" else by_ort.recorded[name]
        np.testing.assert_array_equal(by_numpy[key], ref, err_msg=f"onnx.reference: {name}")
        np.testing.assert_array_equal(ort_value, ref, err_msg=f"onnxruntime: {name}")


def test_onnx_reference_evaluator_runs_the_sequence_form():
    graph = _every_kind()
    x = (np.random.default_rng(22).random((2, 8, 2, 6, 6)) < 0.4).astype(np.float32)
    model = to_onnx_sequence(graph)
    state = {i.name: np.zeros([2, *[d.dim_value for d in i.type.tensor_type.shape.dim[1:]]], np.float32)
             for i in model.graph.input if i.name.startswith("state.")}
    y = ReferenceEvaluator(model).run(["y"], {"img": x, **state})[0]
    want = simulate(graph, x, dtype=torch.float32).output()
    assert want.sum() > 0
    np.testing.assert_array_equal(y, want)

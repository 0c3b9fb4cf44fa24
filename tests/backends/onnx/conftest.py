"""Shared check: the exported step model, driven by ONNX Runtime, reproduces the reference
simulator run in float32 (spike trains exactly, real values within 1e-5)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from snncompile.backends.onnx import run_onnx, to_onnx
from snncompile.ir import Graph, is_spike_train
from snncompile.simulate import simulate

TOL = dict(rtol=1e-5, atol=1e-5)


def check_against_reference(graph: Graph, inputs, steps: int | None = None, opset: int = 17) -> dict:
    """Export, check the model, run both, compare every node; return spike totals per node
    so callers can assert that the test exercised spiking (not all-silent)."""
    pytest.importorskip("onnxruntime")
    names = [n for n in graph.nodes if n not in graph.inputs]
    model = to_onnx(graph, opset=opset, record=names)
    onnx.checker.check_model(model, full_check=True)
    ref = simulate(graph, inputs, steps=steps, record="all", membranes="all", dtype=torch.float32)
    got = run_onnx(model, inputs, steps=steps, membranes="all")
    assert set(got.outputs) == set(ref.outputs)
    spikes = {}
    for name in names:
        want, have = ref.recorded[name], got.recorded[name]
        assert have.shape == want.shape, name
        if is_spike_train(graph, name):
            mismatches = int((want != have).sum())
            assert mismatches == 0, f"{name}: {mismatches} of {want.size} spikes differ"
            spikes[name] = int(want.sum())
        else:
            np.testing.assert_allclose(have, want, **TOL, err_msg=name)
    for name in graph.outputs:
        np.testing.assert_array_equal(got.outputs[name], got.recorded[name])
    assert set(got.membranes) == set(ref.membranes)
    for name, want in ref.membranes.items():
        np.testing.assert_allclose(got.membranes[name], want, **TOL, err_msg=f"membrane of {name}")
    return spikes


@pytest.fixture(scope="session")
def against_reference():
    return check_against_reference


@pytest.fixture
def spikes_like():
    """``spikes_like(shape, p, seed)``: Bernoulli(p) 0/1 float32 input of ``shape``."""

    def make(shape: tuple[int, ...], p: float = 0.4, seed: int = 0) -> np.ndarray:
        return (np.random.default_rng(seed).random(shape) < p).astype(np.float32)

    return make

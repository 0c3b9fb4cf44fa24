"""Scalar / singleton neuron parameters and leading batch axes, as exporters write them."""

from __future__ import annotations

import re
import warnings

import nir
import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.interop.nir import read_nir
from snncompile.interop.nir.shapes import fit_shapes
from snncompile.ir import LIF, Conv2d, Graph, Input, Linear, Output
from snncompile.simulate import simulate


def _lif(shape) -> nir.LIF:
    return nir.LIF(tau=np.full(shape, 1e-3), r=np.full(shape, 2.0), v_leak=np.zeros(shape),
                   v_threshold=np.full(shape, 0.5), v_reset=np.zeros(shape))


def _graph(params_shape, input_shape=(4,), output_shape=(3,)) -> nir.NIRGraph:
    w = np.random.default_rng(0).normal(size=(3, 4))
    return nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array(input_shape)), "fc": nir.Affine(weight=w, bias=np.zeros(3)),
               "lif": _lif(params_shape), "output": nir.Output(output_type=np.array(output_shape))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], type_check=False)


@pytest.mark.parametrize("shape", [(), (1,)])
def test_scalar_and_singleton_parameters_broadcast_to_the_input(shape):
    expected = f"node 'lif' (LIF): parameters of shape {shape} broadcast to the shape it receives, (3,)"
    with pytest.warns(UserWarning, match=re.escape(expected)):
        graph = read_nir(_graph(shape))
    lif = graph.nodes["lif"]
    assert isinstance(lif, LIF) and lif.shape == (3,)
    full = read_nir(_graph((3,)))
    x = np.random.default_rng(1).uniform(0, 2, size=(2, 50, 4))
    ours, reference = simulate(graph, x).output(), simulate(full, x).output()
    assert ours.sum() > 0 and np.array_equal(ours, reference)


def test_parameters_that_do_not_broadcast_are_still_an_error():
    with pytest.raises(InputError, match="'lif' \\(LIF\\): input shape \\(3,\\) does not match neuron shape \\(2,\\)"):
        read_nir(_graph((2,)))


def test_leading_batch_axis_is_dropped_with_a_warning():
    with pytest.warns(UserWarning, match="Input/Output 'input' \\(1, 4\\), 'output' \\(1, 3\\): the leading axis of "
                                         "size 1 is read as a batch axis and dropped"):
        graph = read_nir(_graph((3,), (1, 4), (1, 3)))
    assert graph.nodes["input"].shape == (4,) and graph.nodes["output"].shape == (3,)


def test_a_single_channel_image_keeps_its_axis():
    """(1, 8, 8) into a Conv2d is one channel, not a batch: nothing is dropped, no warning."""
    g = Graph()
    g.add("x", Input(shape=(1, 8, 8)))
    g.add("conv", Conv2d(weight=np.ones((2, 1, 3, 3))))
    g.add("y", Output(shape=(2, 6, 6)))
    g.chain("x", "conv", "y")
    fitted, notes = fit_shapes(g)
    assert fitted is g and notes == []


def test_batch_axis_only_when_every_port_has_one():
    g = Graph()
    g.add("x", Input(shape=(1, 4)))
    g.add("fc", Linear(weight=np.ones((3, 4))))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc", "y")
    fitted, notes = fit_shapes(g)  # (1, 4) -> Linear -> (1, 3) vs (3,): not fixable as a batch axis
    assert notes == []


def test_graphs_as_written_raise_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_nir(_graph((3,)), dt=1e-4, reset="zero", reset_timing="immediate", comparator=">")

"""One backend interface: registry, which graph each backend runs, input normalisation."""

import numpy as np
import pytest

from snncompile.errors import InputError, UnsupportedError
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedGraphBuilder
from snncompile.simulate import GraphKind, backend_names, get_backend, graph_for, normalize_inputs


def two_inputs() -> Graph:
    g = Graph()
    g.add("a", Input(shape=(3,)))
    g.add("b", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.eye(3)))
    g.add("lif", LIF(shape=(3,)))
    g.add("y", Output(shape=(3,)))
    g.chain("a", "fc", "lif", "y")
    g.connect("b", "fc")
    return g.validate()


def test_every_backend_states_the_graph_it_runs():
    kinds = {name: get_backend(name).runs for name in backend_names()}
    assert kinds == {"reference": GraphKind.FLOAT, "onnx": GraphKind.FLOAT,
                     "emulator": GraphKind.COMPILED, "lava": GraphKind.COMPILED, "c": GraphKind.COMPILED,
                     "xylosim": GraphKind.COMPILED}


def test_graph_for_picks_the_artifact_graph_by_the_backends_kind():
    class Artifact:
        fixed, float_graph = "compiled graph", "float graph"

    assert graph_for(Artifact(), "onnx") == "float graph"  # type: ignore[arg-type]
    assert graph_for(Artifact(), "reference") == "float graph"  # type: ignore[arg-type]
    assert graph_for(Artifact(), "emulator") == "compiled graph"  # type: ignore[arg-type]
    assert graph_for(Artifact(), get_backend("lava")) == "compiled graph"  # type: ignore[arg-type]


@pytest.mark.parametrize(("inputs", "problem"), [
    ({"a": np.zeros((2, 4, 3))}, "no data for input node\\(s\\) \\['b'\\]"),
    (np.zeros((2, 4, 3)), "pass a dict of arrays"),
    ({"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 4, 4))}, "input for node 'b' must be \\(batch, time, 3\\)"),
    ({"a": np.zeros((0, 4, 3)), "b": np.zeros((0, 4, 3))}, "at least one sample and one step"),
    ({"a": np.zeros((2, 0, 3)), "b": np.zeros((2, 0, 3))}, "at least one sample and one step"),
    ({"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 5, 3))}, "disagree on batch or time"),
    ({"a": np.full((2, 4, 3), np.nan), "b": np.zeros((2, 4, 3))}, "'a' contains NaN"),
    ({"a": np.zeros((2, 4, 3), "m8[s]"), "b": np.zeros((2, 4, 3))}, "expected numbers, found dtype"),
    ({"a": np.zeros((2, 4, 3), complex), "b": np.zeros((2, 4, 3))}, "'a' holds complex values"),
    ({"a": np.zeros((2, 4, 3), "U3"), "b": np.zeros((2, 4, 3))}, "expected numbers, found dtype <U3"),
    ({"a": np.full((2, 4, 3), -np.inf, ">f8"), "b": np.zeros((2, 4, 3))}, "'a' contains NaN or inf"),
])
def test_bad_inputs_are_named(inputs, problem):
    with pytest.raises(InputError, match=problem):
        normalize_inputs(two_inputs(), inputs)


def test_big_endian_inputs_are_read_in_native_order():
    data = normalize_inputs(two_inputs(), {"a": np.ones((2, 4, 3), ">f8"), "b": np.ones((2, 4, 3), ">i4")})
    assert all(a.dtype.isnative for a in data.arrays.values())
    assert np.array_equal(data.arrays["a"], np.ones((2, 4, 3))) and data.arrays["b"].dtype == np.int32


@pytest.mark.parametrize(("labels", "problem"), [
    (np.array([0, 1, 2]), "3 entries for a batch of 2"),
    (np.array(["a", "b"]), "must be integer classes, found dtype <U1"),
    (np.array([0.5, 1.0]), "non-negative integer classes"),
    (np.array([np.nan, 1.0]), "non-negative integer classes"),
    (np.array([-1, 0]), "non-negative integer classes"),
])
def test_bad_labels_are_named(labels, problem):
    with pytest.raises(InputError, match=problem):
        normalize_inputs(two_inputs(), {"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 4, 3))}, labels=labels)


@pytest.mark.parametrize(("first_sample", "problem"), [
    (-1, r"first_sample=-1: must lie in \[0, 2\*\*63\)"),
    (2**63, r"first_sample=9223372036854775808: must lie in"),
    (1.5, "first_sample=1.5: must be an integer"),
    (True, "first_sample=True: must be an integer"),
])
def test_bad_first_sample_is_named(first_sample, problem):
    with pytest.raises(InputError, match=problem):
        get_backend("reference").run(two_inputs(), {"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 4, 3))},
                                     first_sample=first_sample)


def test_first_sample_reaches_the_backend():
    data = normalize_inputs(two_inputs(), {"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 4, 3))},
                            first_sample=np.int64(40))
    assert data.first_sample == 40 and type(data.first_sample) is int
    assert normalize_inputs(two_inputs(), {"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 4, 3))}).first_sample == 0


def test_a_run_too_large_to_record_is_refused_before_allocating():
    g = two_inputs()
    with pytest.raises(InputError, match=r"a run of 1000000000000 steps x batch 2 .* more than the"):
        get_backend("reference").run(g, {"a": np.zeros((2, 4, 3)), "b": np.zeros((2, 4, 3))}, steps=10**12)


def test_steps_must_be_positive():
    with pytest.raises(InputError, match="steps must be at least 1"):
        get_backend("reference")(two_inputs(), {"a": np.zeros((1, 3, 3)), "b": np.zeros((1, 3, 3))}, steps=0)


def test_a_backend_names_every_node_it_cannot_run_at_once():
    b = FixedGraphBuilder((3,))
    b.linear(np.ones((2, 3), np.int64))
    b.lif(vth=1)
    b.output()
    with pytest.raises(UnsupportedError, match="cannot run 2 node\\(s\\): 'fc1' \\(FixedLinear\\).*'lif2' \\(FixedLIF\\)"):
        get_backend("reference")(b.graph, np.zeros((1, 2, 3)))
    with pytest.raises(UnsupportedError, match="cannot run 2 node\\(s\\): 'fc' \\(Linear\\).*'lif' \\(LIF\\)"):
        get_backend("emulator")(two_inputs(), {"a": np.zeros((1, 3, 3)), "b": np.zeros((1, 3, 3))})

"""Semantic choices: explicit argument > file hint > default; discretisations."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.interop.nir import DEFAULTS, read_nir
from snncompile.interop.nir.semantics import DISCRETIZATIONS, read_hints, resolve, with_hints
from snncompile.ir import Comparator, Reset, ResetTiming


def test_defaults_are_the_documented_ones():
    assert DEFAULTS == {"dt": 1e-4, "reset": "zero", "reset_timing": "immediate", "comparator": ">",
                        "discretization": "euler"}


def test_resolution_order():
    hint, graph_hint = {"reset": "subtract"}, {"reset": "none"}
    assert resolve("reset", "zero", hint, graph_hint) is Reset.ZERO
    assert resolve("reset", None, hint, graph_hint) is Reset.SUBTRACT
    assert resolve("reset", None, {}, graph_hint) is Reset.NONE
    assert resolve("reset", None, {}, {}) is Reset.ZERO
    assert resolve("reset_timing", None) is ResetTiming.IMMEDIATE
    assert resolve("comparator", ">=") is Comparator.GE


@pytest.mark.parametrize(("key", "value", "message"), [
    ("dt", -1, "dt must be a positive number"), ("dt", float("nan"), "dt must be a positive number"),
    ("reset", "soft", "expected one of \\['zero', 'subtract', 'none'\\]"),
    ("discretization", "rk4", "is not one of \\['euler', 'exact'\\]"),
])
def test_bad_choices_are_input_errors(key, value, message):
    with pytest.raises(InputError, match=message):
        resolve(key, value, source="f.nir")


def test_discretisations_invert_each_other():
    decay = np.array([0.1, 0.5, 0.9, 0.999])
    for to_decay, to_tau in DISCRETIZATIONS.values():
        assert np.allclose(to_decay(to_tau(decay, 1e-4), 1e-4), decay, rtol=1e-12)
    assert DISCRETIZATIONS["euler"][0](2.5e-3, 1e-4) == pytest.approx(0.96)
    assert DISCRETIZATIONS["exact"][0](2.5e-3, 1e-4) == pytest.approx(np.exp(-0.04))


def test_hints_round_trip_and_ignore_garbage():
    node = with_hints(nir.Scale(scale=np.ones(2)), {"kind": "Add", "shapes": {"scale": []}})
    assert read_hints(node.metadata) == {"kind": "Add", "shapes": {"scale": []}}
    assert read_hints({}) == {} and read_hints({"snncompile": "{not json"}) == {}
    assert read_hints({"snncompile": b'{"dt": 0.001}'}) == {"dt": 0.001}
    assert with_hints(nir.Scale(scale=np.ones(2)), {}).metadata == {}


def test_dt_hint_is_used_only_without_an_explicit_dt():
    graph = nir.NIRGraph.from_list(nir.LIF(tau=np.full(2, 1e-2), r=np.ones(2), v_leak=np.zeros(2),
                                           v_threshold=np.ones(2)))
    with_hints(graph, {"dt": 1e-3})
    assert read_nir(graph).dt == 1e-3
    lif = [n for n in read_nir(graph).nodes.values() if n.kind == "LIF"][0]
    assert np.allclose(lif.decay, 0.9)
    assert read_nir(graph, dt=1e-4).dt == 1e-4

"""The exporter dialects: data with evidence, precedence, detection from metadata."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest

from snncompile.errors import InputError
from snncompile.interop.nir import read_nir
from snncompile.interop.nir.dialects import DIALECTS, detect
from snncompile.interop.nir.semantics import _PARSERS
from snncompile.ir import IF, Comparator, Reset, ResetTiming


def test_every_named_exporter_has_a_dialect_with_evidence():
    assert sorted(DIALECTS) == ["lava-dl", "norse", "rockpool", "sinabs", "snntorch", "spikingjelly", "spyx"]
    for d in DIALECTS.values():
        assert d.rules
        for rule in d.rules:
            assert rule.means and rule.evidence, (d.name, rule)
            assert rule.choices or rule.fixes or rule.edges or rule.caveat, (d.name, rule.means)
            assert set(rule.choices) <= set(_PARSERS), (d.name, rule.choices)


def _if_graph(metadata=None) -> nir.NIRGraph:
    """SpikingJelly's IF as its exporter writes it: r = 1/dt."""
    g = nir.NIRGraph.from_list(nir.IF(r=np.full(3, 1e4), v_threshold=np.ones(3), v_reset=np.zeros(3)))
    g.metadata = dict(metadata or {})
    return g


def test_dialect_choices_and_corrections():
    with pytest.warns(UserWarning, match="--from spikingjelly: IF is written with r = 1 / dt: corrected to r x dt"):
        graph = read_nir(_if_graph(), dialect="spikingjelly")
    (node,) = [n for n in graph.nodes.values() if isinstance(n, IF)]
    assert np.allclose(node.gain, 1.0) and node.comparator is Comparator.GE and node.reset is Reset.ZERO
    assert graph.dt == 1e-4
    plain = read_nir(_if_graph())
    (node,) = [n for n in plain.nodes.values() if isinstance(n, IF)]
    assert np.allclose(node.gain, 1e4) and node.comparator is Comparator.GT


def test_explicit_arguments_win_over_the_dialect():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = read_nir(_if_graph(), dialect="snntorch", comparator=">=", reset_timing="immediate", dt=1e-3)
    (node,) = [n for n in graph.nodes.values() if isinstance(n, IF)]
    assert node.comparator is Comparator.GE and node.reset is Reset.SUBTRACT  # subtract from the dialect
    assert node.reset_timing is ResetTiming.IMMEDIATE and graph.dt == 1e-3


def test_metadata_naming_the_writer_is_detected_and_said():
    assert detect({"framework": "SpikingJelly 2.0"}) == ("spikingjelly", "framework")
    assert detect({"producer": b"lava-dl netx"}) == ("lava-dl", "producer")
    assert detect({"note": "snntorch"}) is None and detect({}) is None and detect(None) is None
    with pytest.warns(UserWarning, match="metadata key 'framework' names its writer: read with the spikingjelly "
                                         "dialect"):
        graph = read_nir(_if_graph({"framework": "spikingjelly"}))
    (node,) = [n for n in graph.nodes.values() if isinstance(n, IF)]
    assert np.allclose(node.gain, 1.0)


def test_explicit_dialect_wins_over_metadata_and_says_so():
    with pytest.warns(UserWarning, match="metadata key 'writer' names spikingjelly, read as --from norse as asked"):
        read_nir(_if_graph({"writer": "spikingjelly"}), dialect="norse")


def test_snncompile_files_are_not_a_foreign_dialect(tmp_path):
    from snncompile.interop.nir import write_nir

    path = tmp_path / "own.nir"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_nir(read_nir(_if_graph()), path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # snncompile's own hints: no dialect, no warning
        read_nir(path)


def test_unknown_dialect_is_an_input_error():
    with pytest.raises(InputError, match="unknown NIR dialect 'brian'; expected one of \\['lava-dl'"):
        read_nir(_if_graph(), dialect="brian")

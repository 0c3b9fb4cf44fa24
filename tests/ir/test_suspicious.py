"""Legal but suspicious models are refused or warned about by a rule written in
docs/robustness.md, never run silently."""

import re
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

from snncompile.api import load_model
from snncompile.errors import InputError, SnnCompileError
from snncompile.interop.nir import write_nir
from snncompile.ir import LIF, Add, Graph, Input, Linear, Output, save_graph
from snncompile.ir.suspicious import RULES, check_suspicious

DOCS = Path(__file__).resolve().parents[2] / "docs" / "robustness.md"


def chain() -> Graph:
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), 0.5)))
    g.add("lif", LIF(shape=(2,), decay=np.array(0.9)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    return g


def _nir_with(tmp_path, edit) -> Path:
    path = tmp_path / "m.nir"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_nir(chain(), path)
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


def _duplicate_first_edge(f):
    edges = [list(r) for r in np.asarray(f["node/edges"][()], dtype=object)]
    del f["node/edges"]
    f.create_dataset("node/edges", data=np.asarray(edges + [edges[0]], dtype=object), dtype=h5py.string_dtype())


def test_a_duplicated_nir_edge_is_refused(tmp_path):
    """The issue's case: NIR sums incoming edges, so a duplicate silently doubled an input."""
    path = _nir_with(tmp_path, _duplicate_first_edge)
    with pytest.raises(InputError) as info:
        load_model(str(path))
    message = str(info.value)
    assert message.startswith(str(path)) and "appears 2 times" in message and "rule 'duplicate-edge'" in message


def test_a_duplicated_edge_into_an_add_is_the_explicit_sum(tmp_path):
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2,)))
    g.add("double", Add())
    g.add("y", Output(shape=(2,)))
    g.connect("x", "double")
    g.connect("x", "double")
    g.connect("double", "y")
    save_graph(g, tmp_path / "add.snnir")
    assert len(load_model(str(tmp_path / "add.snnir")).edges) == 3


def test_an_infinite_threshold_is_warned_about(tmp_path):
    path = _nir_with(tmp_path, lambda f: f["node/nodes/lif/v_threshold"].__setitem__(..., np.inf))
    with pytest.warns(UserWarning, match=r"node 'lif' \(LIF\) has threshold \+inf: a threshold of \+inf never "
                                         r"fires .*rule 'infinite-threshold'"):
        load_model(str(path))


@pytest.mark.parametrize("threshold", [np.inf, 1e-320])
def test_infinite_and_subnormal_thresholds_cannot_be_compiled(threshold):
    from snncompile.compile import build_artifact

    g = chain()
    g.nodes["lif"] = g.nodes["lif"].replace(threshold=np.array(threshold))
    with pytest.raises(SnnCompileError, match="neuron 'lif': .*threshold"):
        build_artifact(g, "loihi2")


def test_complex_nir_weights_are_refused(tmp_path):
    def complex_weights(f):
        w = f["node/nodes/fc/weight"][()]
        del f["node/nodes/fc/weight"]
        f["node/nodes/fc/weight"] = w * (1 + 1j)

    path = _nir_with(tmp_path, complex_weights)
    with pytest.raises(InputError, match=r"m.nir: node 'fc' \(Linear\): complex parameter values"):
        load_model(str(path))


def test_negative_shapes_are_refused_or_replaced_with_a_warning(tmp_path):
    path = _nir_with(tmp_path, lambda f: f["node/nodes/x/shape"].__setitem__(..., -3))
    with pytest.raises(InputError, match=r"m.nir: .*shape \(-3,\) has a negative dimension"):
        load_model(str(path))
    path = _nir_with(tmp_path, lambda f: f["node/nodes/y/shape"].__setitem__(..., -2))
    with pytest.warns(UserWarning, match=r"Output 'y' declares shape \(-2,\) but receives \(2,\); using the "
                                         "received shape"):
        assert load_model(str(path)).nodes["y"].shape == (2,)


def test_rules_apply_to_graphs_from_any_source():
    g = chain()
    g.connect("x", "fc")
    with pytest.raises(InputError, match="here: edge x -> fc appears 2 times"):
        check_suspicious(g, "here")


def test_every_rule_is_written_down():
    text = DOCS.read_text()
    for name, rule in RULES.items():
        row = re.search(rf"^\| `{name}` \| (refused|warning) \|", text, re.M)
        assert row, f"docs/robustness.md has no row for rule '{name}'"
        assert row.group(1) == {"refuse": "refused", "warn": "warning"}[rule.action]

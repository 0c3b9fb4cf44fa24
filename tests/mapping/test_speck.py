"""Speck memory formulas and core assignment against sinabs 3.1.3's own code.


sinabs.backend.dynapcnn imports samna (not installable here), so the chip constants and
the Edmonds assignment are read out of sinabs's source files with ``ast`` instead of
being imported; their code is executed unchanged."""

import ast
import importlib.util
from collections import deque
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from snncompile.mapping import speck
from snncompile.targets import load_target

validate = pytest.importorskip("sinabs.validate_memory_speck")
SINABS = Path(importlib.util.find_spec("sinabs").origin).parent / "backend" / "dynapcnn"


def _sinabs_functions(path: Path, names: set[str]) -> dict:
    tree = ast.parse(path.read_text())
    keep = [n for n in tree.body if getattr(n, "name", None) in names]
    scope = {"deque": deque, "deepcopy": deepcopy, "dataclass": dataclass, "List": list,
             "Optional": Optional, "Dict": dict, "Tuple": tuple}
    exec(compile(ast.Module(keep, []), str(path), "exec"), scope)
    return scope


def _sinabs_constraint_lists() -> tuple[list[int], list[int]]:
    scope = {}
    tree = ast.parse((SINABS / "chips" / "dynapcnn.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and \
                node.targets[0].id in ("weight_memory_size", "neurons_memory_size"):
            scope[node.targets[0].id] = eval(compile(ast.Expression(node.value), "dynapcnn.py", "eval"))
    return scope["weight_memory_size"], scope["neurons_memory_size"]

GEOMETRIES = [  # c_in, c_out, kernel, stride, padding, input (h, w)
    (2, 8, (3, 3), (1, 1), (1, 1), (64, 64)),
    (16, 32, (5, 5), (2, 2), (0, 0), (34, 34)),
    (3, 10, (1, 1), (1, 1), (0, 0), (17, 23)),
    (64, 128, (3, 3), (1, 1), (1, 1), (16, 16)),
]


@pytest.mark.parametrize("c, f, k, s, p, size", GEOMETRIES)
def test_memory_formulas_match_sinabs(c, f, k, s, p, size):
    theirs = validate.ValidateMapping(c, f, k, s, p, input_dimension=list(size))
    fy = (size[0] - k[0] + 2 * p[0]) // s[0] + 1
    fx = (size[1] - k[1] + 2 * p[1]) // s[1] + 1
    assert speck.kernel_memory(c, k[1], k[0], f) == theirs.calculate_kernel_memory()
    assert speck.neuron_memory(f, fy, fx) == theirs.calculate_neuron_memory()


def test_core_capacities_match_sinabs_constraints():
    t = load_target("speck")
    kernel, neuron = _sinabs_constraint_lists()
    assert list(t.figure("limits", "kernel_memory_entries_per_core").value) == kernel
    assert list(t.figure("limits", "neuron_memory_entries_per_core").value) == neuron


def test_assignment_agrees_with_sinabs_edmonds():
    mapping = _sinabs_functions(SINABS / "mapping.py",
                                {"FlowGraphEdge", "edmonds", "make_flow_graph", "recover_mapping"})
    t = load_target("speck")
    kcap = tuple(t.figure("limits", "kernel_memory_entries_per_core").value)
    ncap = tuple(t.figure("limits", "neuron_memory_entries_per_core").value)
    cases = [
        {"a": (60000, 1000), "b": (60000, 1000), "c": (1000, 60000)},  # fits: 5, 6 and 0-2
        {"a": (60000, 1000), "b": (60000, 1000), "c": (60000, 1000)},  # only two 64 Ki cores
    ]
    for needs, fits in zip(cases, (True, False)):
        ours = speck.assign_cores(needs, kcap, ncap)
        layer_mapping = [[i for i in range(9) if k <= kcap[i] and n <= ncap[i]] for k, n in needs.values()]
        graph = mapping["make_flow_graph"](layer_mapping, 9)
        flow = mapping["edmonds"](graph, 0, len(graph) - 1)
        try:
            theirs = mapping["recover_mapping"](flow, len(layer_mapping))
        except ValueError:  # sinabs raises when no complete mapping exists
            theirs = None
        assert (ours is not None) == (theirs is not None) == fits
        if ours is not None:
            for name, core in ours.items():
                k, n = needs[name]
                assert k <= kcap[core] and n <= ncap[core]
            assert len(set(ours.values())) == len(ours)


def test_nir_paper_sinabs_cnn_fits_speck():
    """The NIR paper ran cnn_sinabs.nir on Speck (N-MNIST accuracy 0.954): it must fit,
    one layer per core, each within its core's kernel and neuron memory."""
    import warnings
    from pathlib import Path

    from snncompile.interop.nir import read_nir
    from snncompile.mapping import map_graph

    path = Path(__file__).parent.parent / "data" / "nir_paper" / "02_cnn" / "cnn_sinabs.nir"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = read_nir(path)
    placement = map_graph(graph, load_target("speck"))
    assert placement.fits and len(placement.cores) == 5
    for core in placement.cores:
        assert core.kernel_entries <= core.kernel_capacity
        assert core.neuron_entries <= core.neuron_capacity
    assert len({c.index for c in placement.cores}) == 5

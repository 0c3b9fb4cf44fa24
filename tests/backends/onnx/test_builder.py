"""Builder.bind: rename a value made by the current node, Identity for anything else."""

from __future__ import annotations

import numpy as np

from snncompile.backends.onnx.builder import Builder


def test_bind_renames_the_current_nodes_value_and_its_uses():
    b = Builder()
    b.begin()
    y = b.op("Relu", ["x"], "n")
    z = b.op("Neg", [y], "n")
    assert b.bind(y, "out") == "out"
    assert [list(n.output) for n in b.nodes] == [["out"], [z]]
    assert list(b.nodes[1].input) == ["out"]


def test_bind_adds_identity_for_values_of_earlier_nodes_and_inputs():
    b = Builder()
    b.begin()
    y = b.op("Relu", ["x"], "a")
    b.begin()
    assert b.bind(y, "out") == "out" and b.bind("x", "out2") == "out2"
    assert [(n.op_type, list(n.input), list(n.output)) for n in b.nodes[1:]] == [
        ("Identity", [y], ["out"]), ("Identity", ["x"], ["out2"])]


def test_fresh_names_avoid_reserved_ones_and_identities_are_skipped():
    b = Builder()
    b.reserve("n/Relu")
    assert b.op("Relu", ["x"], "n") == "n/Relu_2"
    assert b.mul("x", np.ones(3), "c") == "x" and b.add("x", np.zeros(()), "c") == "x"
    assert b.mul("x", np.array([1.0, 2.0]), "c") != "x" and b.add("x", 0.5, "c") != "x"

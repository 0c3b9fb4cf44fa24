import numpy as np
import pytest

from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.passes import Pass, PassError, run_pipeline


def graph():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((1, 2))))
    g.add("n", LIF(shape=(1,)))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "fc", "n", "y")
    return g


def test_passes_run_in_order_without_mutating_input():
    seen = []

    def tag(label):
        def fn(g):
            seen.append(label)
            return g.copy()
        return Pass(label, fn)

    g = graph()
    out = run_pipeline(g, [tag("a"), tag("b")])
    assert seen == ["a", "b"] and out is not g and out.equals(g)


def test_invalid_result_names_the_pass():
    def break_shapes(g):
        g = g.copy()
        g.nodes["fc"] = Linear(weight=np.ones((3, 2)))
        return g

    with pytest.raises(PassError, match="pass 'break_shapes': node 'n' \\(LIF\\): input shape \\(3,\\)"):
        run_pipeline(graph(), [Pass("noop", lambda g: g), Pass("break_shapes", break_shapes)])


def test_validation_can_be_skipped():
    def drop_output(g):
        g = g.copy()
        del g.nodes["y"]
        g.edges = [e for e in g.edges if e.dst != "y"]
        return g

    assert "y" not in run_pipeline(graph(), [Pass("drop", drop_output)], validate=False).nodes
    with pytest.raises(PassError, match="pass 'drop': graph has no Output node"):
        run_pipeline(graph(), [Pass("drop", drop_output)])

"""Writing netx files: exact round trips, and a one-line refusal for what netx cannot hold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.interop.netx import netx_problems, read_netx, write_netx
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.ir.fixed import FixedGraphBuilder
from snncompile.testing.netx_graphs import netx_cases


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(netx_cases())
def test_read_of_write_computes_the_same_integers(tmp_path_factory, case):
    path = tmp_path_factory.mktemp("rt") / "n.net"
    write_netx(case.graph, path)
    a = emulate(case.graph, case.inputs, record="neurons", membranes="neurons")
    back = read_netx(path)
    b = emulate(back, case.inputs, record="neurons", membranes="neurons")
    assert np.array_equal(a.outputs["output"], b.outputs["output"]), case.description
    # neuron layers in order, same membranes
    ours = [n for n, node in case.graph.items() if node.kind == "FixedLIF"]
    theirs = [n for n, node in back.items() if node.kind == "FixedLIF"]
    for x, y in zip(ours, theirs, strict=True):
        assert np.array_equal(a.membranes[x], b.membranes[y]), (x, y, case.description)


def _chain(**lif):
    b = FixedGraphBuilder((3,))
    b.linear(np.array([[2, 4, -6], [8, 0, 2]]))
    b.lif(du=1023, dv=100, vth=50, **lif)
    b.output()
    return b


@pytest.mark.parametrize("lif, reason", [
    ({"reset": "subtract"}, "reset 'subtract' (Lava's LIF only resets to zero)"),
    ({"comparator": ">="}, "comparator '>='"),
    ({"graded": True}, "graded spikes"),
    ({"output": "v"}, "a membrane readout"),
    ({"bias_mant": 5, "bias_exp": 2}, "is not B << 6"),
    ({"state_bits": 32}, "state_bits=32"),
])
def test_neurons_netx_cannot_run_are_refused_by_name(tmp_path, lif, reason):
    g = _chain(**lif).graph
    path = tmp_path / "x.net"
    with pytest.raises(UnsupportedError) as info:
        write_netx(g, path)
    assert "node 'lif2' (FixedLIF)" in str(info.value) and reason in str(info.value)
    assert "\n" not in str(info.value) and not path.exists()


def test_float_host_nodes_are_refused_in_one_line():
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.add("lif", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    (problem,) = netx_problems(g)
    assert "nodes 'fc' (Linear), 'lif' (LIF): not integer nodes netx can hold" in problem


def test_structure_netx_cannot_hold():
    b = _chain()
    b.recurrent(np.array([[2, 0], [0, 2]]), delay=2)  # a recurrent delay beyond one step
    assert any("recurrent delay beyond one step" in p for p in netx_problems(b.graph))
    b = FixedGraphBuilder((1, 4, 4))
    b.conv2d(np.full((1, 1, 2, 2), 2), delay=1)
    b.lif(vth=10)
    b.output()
    assert any("delay on a conv layer" in p for p in netx_problems(b.graph))
    b = _chain()
    b.graph.add("other", Output(shape=(2,)))
    b.graph.connect("fc1", "other")
    assert any("one input and one output" in p for p in netx_problems(b.graph))
    b = _chain()
    b.graph.nodes["fc1"].weight_exp = -1  # floors sums of odd weights... here all even: fine
    assert netx_problems(b.graph) == []
    b.graph.nodes["fc1"].weight = np.array([[2, 4, -6], [8, 0, 3]])
    b.graph.nodes["fc1"].sign_mode = "excitatory"
    assert netx_problems(b.graph)  # clipped/ floored: refused


def test_quantized_braille_with_bias_source_is_refused(tmp_path):
    """The default loihi2 compile of the NIR paper's biased Braille RNN keeps its Linear
    biases in an always-on source (a Constant): netx holds no such node."""
    from pathlib import Path

    from snncompile.interop.nir import read_nir
    from snncompile.passes.quantize import quantize

    root = Path(__file__).resolve().parents[2] / "data"
    g = read_nir(root / "nir_paper/03_rnn/braille_noDelay_bias_zero.nir", dt=1e-4, reset="zero")
    fixed = quantize(g, "loihi2").fixed
    with pytest.raises(UnsupportedError, match="node 'bias_source' \\(Constant\\): not integer nodes netx can hold"):
        write_netx(fixed, tmp_path / "b.net")


def test_refractory_period_is_refused_by_name():
    b = _chain()
    lif = next(n for n, node in b.graph.items() if node.kind == "FixedLIF")
    b.graph.nodes[lif] = b.graph.nodes[lif].replace(refractory=2)
    assert any(f"node '{lif}' (FixedLIF): refractory period 2 (netx 0.6.0 ignores refDelay" in p
               for p in netx_problems(b.graph))

"""The back edge of a depth-first walk from the inputs carries NIR's implicit delay."""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest
import torch

from snncompile.interop.nir import read_nir
from snncompile.interop.nir.cycles import back_edges
from snncompile.simulate import simulate

PAPER = Path(__file__).resolve().parents[2] / "data" / "nir_paper"
DT = 1e-4


def test_chain_has_no_back_edge():
    back, visited = back_edges(["c", "b", "a"], [("a", "b"), ("b", "c")], ["a"])
    assert back == set() and visited == ["a", "b", "c"]


def test_self_loop_and_cycle():
    edges = [("in", "a"), ("a", "a"), ("a", "b"), ("b", "a"), ("b", "out")]
    back, visited = back_edges(["in", "a", "b", "out"], edges, ["in"])
    assert back == {1, 3} and visited == ["in", "a", "b", "out"]


def test_edge_order_decides_which_edge_closes_the_cycle():
    # a -> b -> c -> a, entered at a: c -> a closes it; entered at b: a -> b does
    edges = [("in", "a"), ("a", "b"), ("b", "c"), ("c", "a")]
    assert back_edges(["in", "a", "b", "c"], edges, ["in"])[0] == {3}
    edges = [("in", "b"), ("a", "b"), ("b", "c"), ("c", "a")]
    assert back_edges(["in", "a", "b", "c"], edges, ["in"])[0] == {1}


def test_cross_edge_to_a_finished_node_is_not_a_back_edge():
    edges = [("in", "a"), ("in", "b"), ("a", "c"), ("b", "c")]
    assert back_edges(["in", "a", "b", "c"], edges, ["in"])[0] == set()


def test_unreached_nodes_are_walked_too():
    edges = [("x", "y"), ("y", "x")]
    back, visited = back_edges(["in", "x", "y"], edges, ["in"])
    assert back == {1} and visited == ["in", "x", "y"]


class _CubaLIF(torch.nn.Module):
    """NIR's CubaLIF, forward Euler, reset to zero: a node_map entry for nirtorch."""

    def __init__(self, n: nir.CubaLIF):
        super().__init__()
        a, b = 1 - DT / n.tau_syn, 1 - DT / n.tau_mem
        self.p = [torch.tensor(z) for z in (a, n.w_in * (1 - a), b, n.r * (1 - b), n.v_threshold)]

    def forward(self, x, state=None):
        a, wa, b, rb, th = self.p
        i, v = state if state is not None else (torch.zeros_like(x), torch.zeros_like(x))
        i = a * i + wa * x
        v = b * v + rb * i
        s = (v > th).to(x.dtype)
        return s, (i, torch.where(s > 0, torch.zeros_like(v), v))


def _affine(n: nir.Affine) -> torch.nn.Linear:
    m = torch.nn.Linear(n.weight.shape[1], n.weight.shape[0]).double()
    m.weight.data, m.bias.data = torch.tensor(n.weight), torch.tensor(n.bias)  # nirtorch's default drops the bias
    return m


def test_recurrent_braille_runs_as_nirtorch_runs_it():
    """nirtorch 2.6 executing the paper's recurrent Braille graph (its own graph walk and
    recurrence handling; only the neuron and affine modules are ours) gives the same
    spikes as the IR with the back edge w_rec -> lif delayed by one step."""
    import nirtorch

    path = PAPER / "03_rnn" / "braille_noDelay_bias_zero.nir"
    module = nirtorch.nir_to_torch(nir.read(path), {nir.CubaLIF: _CubaLIF, nir.Affine: _affine}, dtype=torch.float64)
    x = np.load(PAPER.parent / "braille" / "braille7_fold0.npz")["spikes"][:8, :128].astype(np.float64)
    state, outputs = None, []
    with torch.no_grad():
        for t in range(x.shape[1]):
            out, state = module(torch.tensor(x[:, t]), state)
            outputs.append(out)
    theirs = torch.stack(outputs, 1).numpy()
    graph = read_nir(path)
    assert [(e.src, e.dst) for e in graph.edges if e.delay] == [("lif1.w_rec", "lif1.lif")]
    ours = simulate(graph, x).output()
    assert theirs.sum() > 100 and np.array_equal(ours, theirs)


def _stateless(kind: str) -> nir.NIRGraph:
    """A cycle with no neuron: an Affine feeding itself (NIR's own read/write test), or an
    Affine <-> Scale loop."""
    rng = np.random.default_rng(3)
    a = nir.Affine(weight=rng.normal(size=(2, 2)) * 0.5, bias=rng.normal(size=2))
    nodes = {"input": nir.Input(input_type=np.array([2])), "a": a, "output": nir.Output(output_type=np.array([2]))}
    edges = [("input", "a"), ("a", "a"), ("a", "output")]
    if kind == "scale":
        nodes["s"] = nir.Scale(scale=np.array([0.5, -0.25]))
        edges = [("input", "a"), ("a", "s"), ("s", "a"), ("a", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


@pytest.mark.parametrize("kind", ["self_loop", "scale"])
def test_stateless_cycle_runs_as_nirtorch_runs_it(kind):
    """docs/nir.md promises a one-step back edge in every cycle; one with no neuron in it
    is read that way too (with a warning saying so), and runs as nirtorch 2.6 runs it."""
    import nirtorch

    graph = _stateless(kind)
    module = nirtorch.nir_to_torch(graph, {nir.Affine: _affine, nir.Scale: _scale}, dtype=torch.float64)
    x = np.random.default_rng(4).normal(size=(3, 20, 2))
    state, outputs = None, []
    with torch.no_grad():
        for t in range(x.shape[1]):
            out, state = module(torch.tensor(x[:, t]), state)
            outputs.append(out)
    theirs = torch.stack(outputs, 1).numpy()
    with pytest.warns(UserWarning, match="closes a cycle through .* with no neuron or delay in it"):
        ours_graph = read_nir(graph)
    assert [e.delay for e in ours_graph.edges if e.src == e.dst or e.dst == "a" and e.src != "input"] == [1]
    ours = simulate(ours_graph, x).output()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert np.abs(ours).max() > 0.1


def _scale(n: nir.Scale) -> torch.nn.Module:
    class Scale(torch.nn.Module):
        def forward(self, x):
            return x * torch.tensor(n.scale, dtype=x.dtype)

    return Scale()

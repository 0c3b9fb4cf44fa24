"""IR -> NIR -> IR must give the graph back; exports must be valid NIR files.

"Without change": the same node names in the same order, the same node types, the same
edges with the same delays, the same dt and the same enum fields (reset, reset_timing,
comparator), and parameter arrays of the same shapes. Float coefficients pass through
NIR's continuous parameters (decay -> tau = dt/(1-decay) -> 1 - dt/tau): 1 - decay
loses up to log10(tau/dt) digits, so arrays are compared at rtol=1e-9 (exact float64
would be 1e-16; 1e-9 covers tau/dt up to ~1e6) and atol=1e-12 (values near 0).
"""

from __future__ import annotations

import nir
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from snncompile.errors import UnsupportedError
from snncompile.interop.nir import WRITERS, read_nir, to_nir, write_nir
from snncompile.ir import (
    LI,
    LIF,
    NODE_TYPES,
    CubaLIF,
    Graph,
    Input,
    Linear,
    MaxPool2d,
    Output,
    Reset,
    ResetTiming,
)
from snncompile.ir.host import MatMul
from snncompile.ir.stage import Stage

RTOL, ATOL = 1e-9, 1e-12
EXAMPLES = ["conv", "misc", "recurrent"]


def assert_same(a: Graph, b: Graph) -> None:
    assert list(a.nodes) == list(b.nodes)
    assert sorted((e.src, e.dst, e.delay) for e in a.edges) == sorted((e.src, e.dst, e.delay) for e in b.edges)
    for name in a.nodes:
        x, y = a.nodes[name], b.nodes[name]
        assert type(x) is type(y), name
        for field, value in x.param_arrays().items():
            assert getattr(y, field) is not None and np.shape(getattr(y, field)) == np.shape(value), (name, field)
    assert a.equals(b, rtol=RTOL, atol=ATOL)


def test_every_ir_kind_nir_can_express_has_a_writer(examples, rng):
    # fixed-point kinds (snncompile.ir.fixed, from the emulator branch) are integer
    # lowerings, not exchange formats: NIR export starts from the float graph
    # host operations (MatMul, norms, ...) have no NIR type either: stage HOST says so
    missing = {kind for kind, cls in NODE_TYPES.items()
               if cls not in WRITERS and cls.stage not in (Stage.INTEGER, Stage.HOST)}
    # NIR 1.0.8 has none of these (RandomSpikes: no random source either; refused by name)
    assert missing == {"MaxPool2d", "BatchNorm", "Constant", "Conv3d", "Reshape", "RandomSpikes"}
    covered = {type(n).__name__ for build in examples.values() for n in build(rng).nodes.values()}
    not_float = {k for k, cls in NODE_TYPES.items() if cls.stage in (Stage.INTEGER, Stage.HOST)}
    assert covered == set(NODE_TYPES) - missing - not_float


@pytest.mark.parametrize(("example", "nested"), [(e, False) for e in EXAMPLES] + [("recurrent", True)])
def test_round_trip_through_a_file(examples, example, nested, rng, tmp_path):
    graph = examples[example](rng)
    path = tmp_path / "g.nir"
    write_nir(graph, path, nested=nested)
    nir.read(path)  # NIR's own reader accepts it, type checking on
    assert_same(graph, read_nir(path))


def test_nested_form_has_a_subgraph(examples, rng):
    result = to_nir(examples["recurrent"](rng), nested=True)
    sub = result.nodes["lif1"]
    assert isinstance(sub, nir.NIRGraph)
    assert {type(n).__name__ for n in sub.nodes.values()} == {"Input", "CubaLIF", "Affine", "Output"}
    assert ("fc1", "lif1") in result.edges and ("lif1", "w_rec") not in result.edges
    assert ("lif", "w_rec") in sub.edges and ("w_rec", "lif") in sub.edges


def test_delays_other_than_the_implicit_one_become_delay_nodes(examples, rng):
    graph = examples["recurrent"](rng)
    result = to_nir(graph)
    delays = {n: v for n, v in result.nodes.items() if isinstance(v, nir.Delay)}
    assert sorted(delays) == ["delay_lif1_lif_fc2", "delay_lif2_lif2"]
    # forward edge of 3 steps: 3 dt; back edge of 2 steps: 1 step implicit + 1 dt
    assert np.allclose(delays["delay_lif1_lif_fc2"].delay, 3e-4)
    assert np.allclose(delays["delay_lif2_lif2"].delay, 1e-4)
    assert ("lif1.w_rec", "lif1.lif") in result.edges  # delay 1 on the back edge: plain


def test_semantics_fields_survive_as_hints(examples, rng):
    back = read_nir(to_nir(examples["conv"](rng)))
    assert back.nodes["lif1"].reset.value == "subtract" and back.nodes["lif1"].reset_timing.value == "delayed"
    assert back.nodes["if1"].comparator.value == ">="
    assert back.dt == 1e-3


def test_refractory_period_round_trips_as_refractory_time(tmp_path):
    """NIR has no refractory period; the file carries it as ``refractory_time`` seconds
    (the parameter proposed in neuromorphs/NIR#138) and reads it back in steps."""
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.ones((4, 3))))
    g.add("n", CubaLIF(shape=(4,), syn_decay=0.5, decay=0.9, refractory=3))
    g.add("y", Output(shape=(4,)))
    g.chain("x", "fc", "n", "y")
    write_nir(g, tmp_path / "r.nir")
    raw = nir.read(tmp_path / "r.nir")
    assert '"refractory_time": 0.003' in raw.nodes["n"].metadata["snncompile"]
    back = read_nir(tmp_path / "r.nir")
    assert back.nodes["n"].refractory == 3
    assert read_nir(tmp_path / "r.nir", dt=1e-4).nodes["n"].refractory == 30


def test_refractory_time_that_is_not_whole_steps_is_refused(tmp_path):
    from snncompile.errors import InputError

    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2,)))
    g.add("n", LIF(shape=(2,), decay=0.9, refractory=1))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "n", "y")
    write_nir(g, tmp_path / "r.nir")
    with pytest.raises(InputError, match=r"node 'n': refractory_time 0.001 s is 2.5 steps of dt=0.0004 s"):
        read_nir(tmp_path / "r.nir", dt=4e-4)


def test_explicit_arguments_beat_hints(examples, rng):
    back = read_nir(to_nir(examples["conv"](rng)), reset="zero", reset_timing="immediate", comparator=">", dt=1e-4)
    assert back.nodes["lif1"].reset.value == "zero" and back.nodes["lif1"].reset_timing.value == "immediate"
    assert back.nodes["if1"].comparator.value == ">"
    assert back.dt == 1e-4


def test_scalar_parameters_are_written_full_size(examples, rng):
    result = to_nir(examples["conv"](rng))
    assert result.nodes["lif1"].tau.shape == (4, 8, 8)
    assert result.nodes["out_lif"].w_in.shape == (3,)


def test_exact_discretisation_round_trips(examples, rng, tmp_path):
    graph = examples["conv"](rng)
    write_nir(graph, tmp_path / "g.nir", discretization="exact")
    back = read_nir(tmp_path / "g.nir")
    assert_same(graph, back)
    tau = nir.read(tmp_path / "g.nir").nodes["lif1"].tau
    assert np.allclose(tau, -graph.dt / np.log(0.9))


def test_back_edge_without_delay_is_refused():
    # with a bias, the delay cannot move past "b" (see move_delay_past_synapse)
    g = Graph()
    g.add("in", Input(shape=(2,)))
    g.add("a", LIF(shape=(2,), decay=0.9))
    g.add("b", Linear(weight=np.eye(2), bias=np.ones(2)))
    g.add("out", Output(shape=(2,)))
    g.chain("in", "a")
    g.connect("a", "b", delay=1)  # the cycle's delay on the forward edge ...
    g.connect("b", "a", delay=0)  # ... and none on the edge that closes it
    g.connect("a", "out")
    with pytest.raises(UnsupportedError, match="b -> a closes a cycle"):
        to_nir(g)


def test_unsupported_nodes_are_named():
    g = Graph()
    g.add("in", Input(shape=(1, 4, 4)))
    g.add("mp", MaxPool2d(kernel_size=(2, 2)))
    g.add("out", Output(shape=(1, 2, 2)))
    g.chain("in", "mp", "out")
    with pytest.raises(UnsupportedError, match="'mp' \\(MaxPool2d\\)"):
        to_nir(g)


def test_a_host_operation_is_refused_by_name(tmp_path):
    assert not [cls.kind for cls in NODE_TYPES.values() if cls.stage is Stage.HOST and cls in WRITERS]
    g = Graph()
    g.add("q", Input(shape=(4, 3)))
    g.add("k", Input(shape=(3, 5)))
    g.add("qk", MatMul())
    g.add("out", Output(shape=(4, 5)))
    g.connect("q", "qk", port="a")
    g.connect("k", "qk", port="b")
    g.connect("qk", "out")
    with pytest.raises(UnsupportedError, match=r"node 'qk' \(MatMul\) has no NIR equivalent"):
        to_nir(g)
    with pytest.raises(UnsupportedError, match=r"'qk' \(MatMul\)"):
        write_nir(g, tmp_path / "g.nir")
    assert list(tmp_path.iterdir()) == []


def test_lif_without_leak_is_refused():
    g = Graph()
    g.add("in", Input(shape=(2,)))
    g.add("lif", LIF(shape=(2,), decay=1.0))
    g.add("out", Output(shape=(2,)))
    g.chain("in", "lif", "out")
    with pytest.raises(UnsupportedError, match="'lif' \\(LIF\\).*IF"):
        to_nir(g)


def test_write_is_atomic(examples, rng, tmp_path, monkeypatch):
    path = tmp_path / "g.nir"
    path.write_text("old")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(nir, "write", fail)
    with pytest.raises(RuntimeError):
        write_nir(examples["conv"](rng), path)
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]


@settings(max_examples=25, deadline=None)
@given(
    decay=arrays(np.float64, 3, elements=st.floats(0.01, 0.99999)),
    syn_decay=st.floats(0.01, 0.99999),
    gain=arrays(np.float64, 3, elements=st.floats(-10, 10)),
    bias=st.floats(-1, 1),
    threshold=st.floats(0.01, 10),
    reset=st.sampled_from(list(Reset)),
    timing=st.sampled_from(list(ResetTiming)),
    dt=st.sampled_from([1e-5, 1e-4, 1e-3]),
    method=st.sampled_from(["euler", "exact"]),
)
def test_neuron_coefficients_round_trip(decay, syn_decay, gain, bias, threshold, reset, timing, dt, method):
    """tau/dt up to 1e5 (decay 0.99999) stays within the stated tolerance."""
    g = Graph(dt=dt)
    g.add("in", Input(shape=(3,)))
    g.add("cuba", CubaLIF(shape=(3,), syn_decay=syn_decay, syn_gain=gain[::-1], decay=decay, gain=gain, bias=bias,
                          threshold=threshold, reset=reset, reset_timing=timing))
    g.add("li", LI(shape=(3,), decay=decay[::-1], gain=gain, bias=bias))
    g.add("out", Output(shape=(3,)))
    g.chain("in", "cuba", "li", "out")
    assert_same(g, read_nir(to_nir(g, discretization=method)))


def _two_level_graph(rng) -> Graph:
    g = Graph()
    g.add("input", Input(shape=(4,)))
    g.add("enc.fc", Linear(weight=rng.normal(size=(5, 4))))
    g.add("enc.lif", LIF(shape=(5,), decay=0.9))
    g.add("enc.rec", Linear(weight=rng.normal(size=(5, 5))))
    g.add("enc.deep.fc", Linear(weight=rng.normal(size=(3, 5)), bias=rng.normal(size=3)))
    g.add("enc.deep.lif", LIF(shape=(3,), decay=0.8, reset=Reset.NONE))
    g.add("output", Output(shape=(3,)))
    g.chain("input", "enc.fc", "enc.lif", "enc.rec")
    g.connect("enc.rec", "enc.lif", delay=1)
    g.connect("enc.lif", "enc.deep.fc", delay=2)  # inside 'enc': a Delay node inside the subgraph
    g.chain("enc.deep.fc", "enc.deep.lif", "output")
    return g.validate()


def test_two_levels_of_nesting_round_trip(rng, tmp_path):
    graph = _two_level_graph(rng)
    path = tmp_path / "nested.nir"
    write_nir(graph, path, nested=True)
    top = nir.read(path)
    assert set(top.nodes) == {"input", "enc", "output"}
    enc = top.nodes["enc"]
    assert isinstance(enc.nodes["deep"], nir.NIRGraph)
    assert any(isinstance(n, nir.Delay) for n in enc.nodes.values())
    assert_same(graph, read_nir(path))


def test_group_with_two_entries_cannot_nest(rng):
    graph = _two_level_graph(rng)
    graph.connect("input", "enc.rec")  # now edges enter 'enc' at two nodes
    graph.nodes["enc.rec"] = Linear(weight=np.ones((5, 4)))
    graph.edges = [e for e in graph.edges if (e.src, e.dst) != ("enc.lif", "enc.rec")]
    graph.connect("enc.lif", "enc.deep.fc")
    graph.edges = [e for e in graph.edges if not (e.src == "enc.lif" and e.dst == "enc.deep.fc" and e.delay == 2)]
    with pytest.raises(UnsupportedError, match="cannot nest group 'enc'.*nested=False"):
        to_nir(graph, nested=True)
    assert_same(graph, read_nir(to_nir(graph)))  # the flat form is fine


def test_exports_use_all_19_nir_types(examples, rng):
    used: set[str] = set()

    def collect(graph: nir.NIRGraph) -> None:
        for node in graph.nodes.values():
            used.add(type(node).__name__)
            if isinstance(node, nir.NIRGraph):
                collect(node)

    for name, build in examples.items():
        collect(to_nir(build(rng), nested=name == "recurrent"))
    assert used == {"Input", "Output", "Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d",
                    "Flatten", "Threshold", "Delay", "I", "IF", "LI", "LIF", "CubaLI", "CubaLIF", "NIRGraph"}


@pytest.mark.parametrize("case", [dict(), dict(bias=False, lowest=1), dict(lowest=2, seed=3)])
def test_per_synapse_delays_round_trip_through_the_delay_expansion(case, tmp_path):
    """Per-synapse delays leave as Σ_d Delay_d(W_d x) (NIR's Delay is per neuron) and come
    back as the same per-synapse delays, through NIR's own reader with type checking."""
    from snncompile.simulate import simulate
    from snncompile.testing.delay_graphs import recurrent_delays

    graph = recurrent_delays(**case)
    result = to_nir(graph)
    delays = [v for v in result.nodes.values() if isinstance(v, nir.Delay)]
    branches = [n for n in result.nodes if n.startswith("fc")]
    assert len(branches) == len(np.unique(graph.nodes["fc"].delays)) + (1 if case.get("lowest") == 2 else 0)
    assert len(delays) >= len(branches) - 1 and all(v.delay.shape == (4,) for v in delays)
    write_nir(graph, tmp_path / "d.nir")
    nir.read(tmp_path / "d.nir")
    back = read_nir(tmp_path / "d.nir")
    assert_same(graph, back)
    for name in ("fc", "rec"):
        assert np.array_equal(back.nodes[name].delays, graph.nodes[name].delays)
    x = (np.random.default_rng(1).random((2, 20, 5)) < 0.4).astype(float)
    assert np.array_equal(simulate(back, x).output(), simulate(graph, x).output())


def test_a_foreign_sum_of_delayed_projections_reads_as_per_synapse_delays():
    """Σ_d Delay_d(W_d x) written by hand (no snncompile hints, explicit Delay nodes)."""
    w = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    nodes = {
        "in": nir.Input(input_type={"input": np.array([3])}),
        "w0": nir.Linear(weight=np.where([[1, 0, 0], [0, 0, 0]], w, 0)),
        "w2": nir.Linear(weight=np.where([[0, 0, 1], [0, 1, 0]], w, 0)),
        "d2": nir.Delay(delay=np.full(2, 2e-4)),
        "lif": nir.LIF(tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
        "out": nir.Output(output_type={"output": np.array([2])}),
    }
    edges = [("in", "w0"), ("in", "w2"), ("w2", "d2"), ("w0", "lif"), ("d2", "lif"), ("lif", "out")]
    back = read_nir(nir.NIRGraph(nodes=nodes, edges=edges))
    assert list(back.nodes) == ["in", "w0", "lif", "out"]
    assert np.array_equal(back.nodes["w0"].weight, w)
    assert back.nodes["w0"].delays.tolist() == [[0, 0, 2], [0, 2, 0]]


def test_random_source_is_refused_by_name():
    from snncompile.zoo.first_to_spike import first_to_spike_graph

    g = first_to_spike_graph(np.full((10, 64), 0.01), np.zeros(10))
    with pytest.raises(UnsupportedError, match="node 'noise' \\(RandomSpikes\\) has no NIR equivalent"):
        to_nir(g)

import numpy as np
import pytest

from snncompile.errors import GraphError
from snncompile.ir import (
    LIF,
    Add,
    Conv2d,
    Flatten,
    Graph,
    Input,
    Linear,
    MaxPool2d,
    Output,
    is_spike_train,
)


def mlp(n_in=3, n_hidden=4) -> Graph:
    g = Graph()
    g.add("x", Input(shape=(n_in,)))
    g.add("fc", Linear(weight=np.ones((n_hidden, n_in))))
    g.add("lif", LIF(shape=(n_hidden,), decay=0.9))
    g.add("y", Output(shape=(n_hidden,)))
    g.chain("x", "fc", "lif", "y")
    return g


def test_shapes_through_conv_pool_flatten():
    g = Graph()
    g.add("x", Input(shape=(2, 10, 10)))
    g.add("conv", Conv2d(weight=np.zeros((4, 2, 3, 3)), stride=1, padding=1))
    g.add("pool", MaxPool2d(kernel_size=2))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=np.zeros((5, 100))))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "conv", "pool", "flat", "fc", "y")
    shapes = g.validate().infer_shapes()
    assert shapes["conv"] == (4, 10, 10)
    assert shapes["pool"] == (4, 5, 5)
    assert shapes["flat"] == (100,)
    assert shapes["y"] == (5,)


def test_every_problem_is_reported_with_node_names():
    g = mlp()
    g.nodes["fc"] = Linear(weight=np.full((4, 3), np.nan))
    g.add("other", Linear(weight=np.ones((4, 7))))
    g.connect("x", "other")
    g.add("y2", Output(shape=(4,)))
    g.connect("other", "y2")
    with pytest.raises(GraphError) as err:
        g.validate()
    message = str(err.value)
    assert "node 'fc' (Linear)" in message and "non-finite" in message
    assert "node 'other' (Linear)" in message and "expects input (..., 7)" in message


def test_zero_delay_cycle_is_named_and_delayed_cycle_is_fine():
    g = mlp()
    g.add("rec", Linear(weight=np.eye(4)))
    g.connect("lif", "rec")
    g.connect("rec", "lif")
    with pytest.raises(GraphError, match="cycle without delay: .*lif.*rec"):
        g.validate()
    g.edges[-1] = type(g.edges[-1])("rec", "lif", 1)
    assert g.validate().step_order() == ["x", "fc", "lif", "y", "rec"]  # ties: insertion order


def test_dangling_edge_and_missing_io():
    g = Graph()
    g.add("fc", Linear(weight=np.ones((2, 2))))
    g.connect("ghost", "fc")
    with pytest.raises(GraphError) as err:
        g.validate()
    text = str(err.value)
    assert "'ghost', which does not exist" in text
    assert "no Input node" in text and "no Output node" in text


def test_summed_inputs_must_agree_in_shape():
    g = mlp()
    g.add("side", Linear(weight=np.ones((5, 3))))
    g.add("sum", Add())
    g.connect("x", "side")
    g.connect("side", "sum")
    g.connect("fc", "sum")
    g.add("y2", Output(shape=(4,)))
    g.connect("sum", "y2")
    with pytest.raises(GraphError, match="sums inputs of different shapes"):
        g.validate()


def test_neuron_parameter_must_broadcast():
    g = mlp()
    g.nodes["lif"] = LIF(shape=(4,), decay=np.ones(3))
    with pytest.raises(GraphError, match="'decay' of shape \\(3,\\) does not broadcast"):
        g.validate()


def test_spike_train_detection():
    g = mlp()
    assert is_spike_train(g, "lif") and is_spike_train(g, "y")
    assert not is_spike_train(g, "fc")


def test_elementwise_parameter_may_not_widen_the_input():
    from snncompile.ir import Scale

    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("s", Scale(scale=np.ones((3, 4))))  # broadcasts with (4,) but would make (3, 4)
    g.add("y", Output(shape=(4,)))
    g.chain("x", "s", "y")
    with pytest.raises(GraphError, match="scale of shape \\(3, 4\\) does not broadcast to the input shape \\(4,\\)"):
        g.validate()


# -- ordered operands (ports), sources, meta, the edge index --------------------------------
def attention_product() -> Graph:
    from snncompile.ir.host import MatMul

    g = Graph()
    g.add("q", Input(shape=(4, 3)))
    g.add("k", Input(shape=(3, 5)))
    g.add("qk", MatMul())
    g.add("y", Output(shape=(4, 5)))
    g.connect("q", "qk", port="a")
    g.connect("k", "qk", port="b")
    g.connect("qk", "y")
    return g


def test_ports_give_the_operand_shapes_and_output_shape():
    g = attention_product().validate()
    assert g.operand_shapes("qk") == {"a": (4, 3), "b": (3, 5)}
    assert g.infer_shapes()["qk"] == (4, 5)
    assert [e.src for e in g.operands("qk")["a"]] == ["q"]


def test_every_port_problem_is_named():
    g = attention_product()
    g.edges = [e for e in g.edges if e.port != "b"]
    with pytest.raises(GraphError, match="operand 'b' has no incoming edge"):
        g.validate()
    g = attention_product()
    g.connect("q", "y", port="a")
    with pytest.raises(GraphError, match="names operand 'a'; Output takes no operand name"):
        g.validate()
    g = attention_product()
    g.edges = [e for e in g.edges if e.dst != "qk"]
    g.connect("q", "qk")  # unported edge into a ported node
    with pytest.raises(GraphError, match="names operand ''; MatMul takes one of its operands"):
        g.validate()


def test_operand_shape_mismatch_is_an_error_naming_the_node():
    g = attention_product()
    g.nodes["k"] = Input(shape=(4, 5))
    with pytest.raises(GraphError, match="'qk' \\(MatMul\\): inner sizes differ"):
        g.validate()


def test_a_port_sums_its_edges():
    g = attention_product()
    g.connect("q", "qk", port="a", delay=1)
    assert len(g.validate().operands("qk")["a"]) == 2


def test_sources_take_no_edges():
    from snncompile.ir import Constant

    g = mlp()
    g.add("c", Constant(value=np.ones(4)))
    g.connect("c", "lif")
    assert g.validate().infer_shapes()["c"] == (4,)
    g.connect("x", "c")
    with pytest.raises(GraphError, match="a Constant node cannot have incoming edges"):
        g.validate()


def test_edge_index_follows_every_change_of_the_edge_list():
    g = mlp()
    assert [e.src for e in g.incoming("lif")] == ["fc"]
    g.edges.append(g.edges[0].__class__("x", "lif"))
    assert {e.src for e in g.incoming("lif")} == {"fc", "x"}
    g.edges += [g.edges[0].__class__("fc", "y")]
    assert {e.src for e in g.incoming("y")} == {"lif", "fc"}
    del g.edges[-1]
    assert [e.src for e in g.incoming("y")] == ["lif"]
    g.edges = [e for e in g.edges if e.dst != "lif"]
    assert g.incoming("lif") == []
    g.edges.remove(g.edges[0])
    assert g.outgoing("x") == []


def test_meta_is_kept_by_replace_but_not_part_of_equality():
    a = mlp()
    b = mlp()
    b.nodes["lif"] = b.nodes["lif"].with_meta(placement="chip", lag=1)
    assert a.equals(b)
    copy = b.nodes["lif"].replace(decay=np.asarray(0.5))
    assert copy.meta == {"placement": "chip", "lag": 1}
    copy.meta["lag"] = 2
    assert b.nodes["lif"].meta["lag"] == 1  # not shared
    assert b.nodes["lif"].with_meta(lag=None).meta == {"placement": "chip"}


def test_stateless_cycle_takes_its_shape_through_the_delayed_edge():
    """An Affine feeding itself (NIR's own read/write test) has no neuron to give the
    cycle a shape: it takes the shape of its non-delayed input, and the delayed input
    must agree with it."""
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("a", Linear(weight=np.ones((2, 2)), bias=np.zeros(2)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "a", "y")
    g.connect("a", "a", 1)
    assert g.infer_shapes()["a"] == (2,)
    g.nodes["a"] = Linear(weight=np.ones((3, 2)))  # 3 outputs fed back into a 2-input node
    with pytest.raises(GraphError, match="'a' \\(Linear\\) sums inputs of different shapes: 'x' \\(2,\\), 'a' \\(3,\\)"):
        g.validate()
    g.nodes["a"] = Linear(weight=np.ones((2, 2)))
    g.edges[-1] = type(g.edges[-1])("a", "a", 0)
    with pytest.raises(GraphError, match="unresolved cycle"):  # without a delay there is no order either
        g.validate()


def test_loop_reaching_its_known_node_through_itself_takes_shapes_from_known_operands():
    """A chip neuron gated by the host, after latency moved the loop's delay onto the
    neuron's synapse: the neuron (known shape) is fed only through a delayed edge, and the
    gate before it waits on the neuron. Every operand with a known source lets a node
    go first; the shapes come out right, and mismatches are still reported."""
    from snncompile.ir import IF, Add, Constant
    from snncompile.ir.host import Mul

    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("one", Constant(value=np.ones(3)))
    g.add("gain", Add())
    g.add("gate", Mul())
    g.add("w", Linear(weight=np.eye(3)))
    g.add("h", IF(shape=(3,)))
    g.add("y", Output(shape=(3,)))
    g.connect("h", "gain")
    g.connect("one", "gain")
    g.connect("gain", "gate", port="a")
    g.connect("x", "gate", port="b")
    g.chain("gate", "w")
    g.connect("w", "h", 1)
    g.chain("h", "y")
    shapes = g.infer_shapes()
    assert shapes["gain"] == shapes["gate"] == shapes["w"] == (3,)
    g.nodes["w"] = Linear(weight=np.ones((2, 3)))
    with pytest.raises(GraphError, match="'h'"):
        g.validate()

"""A mixed graph's host entry in the C project (:mod:`snncompile.backends.c.entry`,
``emit_entry``): the analog inputs turned into the chip's integer input in double, on
the same core, equal to the emulator's float64 host part; host nodes the C cannot
compute refused by name, op and way out."""

import numpy as np
import pytest

from snncompile.backends.c.entry import entry_problems
from snncompile.backends.c.host import check_whole_chip, runs_whole
from snncompile.emulator import emulate
from snncompile.errors import UnsupportedError
from snncompile.ir import Add, Conv1d, Conv2d, Graph, Input, Linear, Output, Scale
from snncompile.ir.fixed import FixedLIF, FixedLinear
from snncompile.ir.host import LayerNorm, Quantize
from snncompile.ir.host_activation import ReLU
from snncompile.ir.host_tensor import Reshape
from snncompile.ir.ops import Flatten
from snncompile.ir.placement import Placement, placed
from snncompile.ir.semantics import Reset
from snncompile.simulate.backend import get_backend
from snncompile.testing.fixed_graphs import compare_runs


def host(node):
    return placed(node, Placement.HOST, "host0")


def chip(node):
    return placed(node, Placement.CHIP, "chip0")


def entry_graph() -> Graph:
    """Two analog inputs and a spike input; the entry: a strided, padded, dilated,
    grouped Conv2d, ReLU, per-channel Scale, a Conv1d, a Linear over leading axes, an Add
    of two branches, Flatten/Reshape, and two Quantize boundaries (one from step 2)."""
    rng = np.random.default_rng(3)
    g = Graph()
    g.add("img", host(Input(shape=(2, 7, 6))))
    g.add("seq", host(Input(shape=(3, 5))))
    g.add("spk", Input(shape=(4,)))
    g.add("conv", host(Conv2d(weight=rng.normal(size=(4, 1, 3, 2)), bias=rng.normal(size=4), stride=(2, 1),
                              padding=(1, 1), dilation=(1, 2), groups=2)))
    g.add("relu", host(ReLU()))
    g.add("gain", host(Scale(scale=np.array([0.5, -1.25, 3.0, 0.1])[:, None, None])))
    g.add("sum", host(Add()))
    g.add("flat", host(Flatten()))
    g.add("c1", host(Conv1d(weight=rng.normal(size=(2, 3, 2)), bias=None, stride=(2,), padding=(1,))))
    g.add("lin", host(Linear(weight=rng.normal(size=(4, 3)), bias=rng.normal(size=4))))
    g.add("shape", host(Reshape(shape=(8,))))
    g.add("q1", host(Quantize(scale=np.array(37.3), bits=10)))
    g.add("q2", host(Quantize(scale=np.linspace(5, 40, 8), bits=8, start=2)))
    g.add("w1", chip(FixedLinear(weight=rng.integers(-2, 6, (6, 96)), num_message_bits=24, weight_exp=-3)))
    g.add("w2", chip(FixedLinear(weight=rng.integers(-2, 6, (6, 8)), num_message_bits=24)))
    g.add("w3", chip(FixedLinear(weight=rng.integers(-20, 21, (6, 4)))))
    g.add("lif", chip(FixedLIF(shape=(6,), du=300, dv=200, vth=400, reset=Reset.SUBTRACT)))
    g.add("y", chip(Output(shape=(6,))))
    for src, dst, d in [("img", "conv", 0), ("conv", "relu", 0), ("conv", "gain", 0), ("relu", "sum", 0),
                        ("gain", "sum", 0), ("sum", "flat", 0), ("flat", "q1", 0), ("q1", "w1", 1),
                        ("seq", "c1", 0), ("c1", "lin", 0), ("lin", "shape", 0), ("shape", "q2", 0),
                        ("q2", "w2", 0), ("spk", "w3", 0), ("w1", "lif", 0), ("w2", "lif", 0), ("w3", "lif", 0),
                        ("lif", "y", 0)]:
        g.connect(src, dst, d)
    return g.validate()


def test_the_entry_runs_in_the_project_equal_to_the_emulator():
    g = entry_graph()
    assert entry_problems(g) == {} and runs_whole(g, ["lif", "q1", "q2"])
    rng = np.random.default_rng(0)
    x = {"img": rng.normal(size=(3, 9, 2, 7, 6)), "seq": rng.normal(size=(3, 9, 3, 5)),
         "spk": rng.integers(0, 2, (3, 9, 4))}
    record = dict(record=["w1", "w2", "w3", "lif", "q1", "q2"], membranes=["lif"], currents=["lif"])
    e = emulate(g, x, steps=12, **record)
    c = get_backend("c").run(g, x, steps=12, **record)  # the whole project: runs_whole above
    assert compare_runs(e, c, g) == []
    q1, q2 = e.recorded["q1"], e.recorded["q2"]
    assert np.abs(q1).max() == 511 and len(np.unique(q1)) > 100  # clipped and graded values
    assert not q2[:, :2].any() and q2[:, 2:9].any()  # start 2; past the input, the bias only
    assert e.outputs["y"].any() and not e.outputs["y"].all()


def test_the_header_documents_the_analog_input(tmp_path):
    from snncompile.backends.c.project import write_project

    project = write_project(entry_graph(), tmp_path / "p")
    header = (project.folder / "snn_model.h").read_text()
    assert "#define SNN_ANALOG_SIZE 99u" in header and "#define SNN_INPUT_SIZE 4u" in header
    assert "void snn_set_analog(const double *analog);" in header
    assert " *   img: 84 values, shape (2, 7, 6)\n *   seq: 15 values, shape (3, 5)" in header
    assert "q2 (Quantize, the boundary into the chip)" in header


def test_host_nodes_the_c_cannot_compute_are_refused_by_name_op_and_way_out():
    g = Graph()
    g.add("x", host(Input(shape=(3,))))
    g.add("ln", host(LayerNorm(normalized_shape=(3,))))
    g.add("q", host(Quantize(scale=np.array(10.0))))
    g.add("w", chip(FixedLinear(weight=np.ones((2, 3), int), num_message_bits=24)))
    g.add("lif", chip(FixedLIF(shape=(2,), vth=5)))
    g.add("late", host(Linear(weight=np.ones((2, 2)))))  # a host readout after the chip
    g.add("y", host(Output(shape=(2,))))
    g.chain("x", "ln", "q", "w", "lif", "late", "y")
    problems = entry_problems(g.validate())
    assert set(problems) == {"ln", "late", "y"}
    with pytest.raises(UnsupportedError) as info:
        check_whole_chip(g)
    message = str(info.value)
    assert "cannot run 3 node(s) in a C project: 'ln' (LayerNorm): a host operation with no C form" in message
    assert "'late' (Linear): reads 'lif' (FixedLIF), which is not an analog input or host entry node" in message
    assert "run it in process (snncompile simulate MODEL.snnc --backend c" in message
    assert not runs_whole(g, [])


def test_a_delayed_host_edge_or_host_delays_are_refused():
    g = Graph()
    g.add("x", host(Input(shape=(2,))))
    g.add("lin", host(Linear(weight=np.ones((2, 2)), delays=np.array([[0, 1], [2, 0]]))))
    g.add("r", host(ReLU()))
    g.add("q", host(Quantize(scale=np.array(4.0))))
    g.add("w", chip(FixedLinear(weight=np.ones((2, 2), int), num_message_bits=24)))
    g.add("lif", chip(FixedLIF(shape=(2,), vth=5)))
    g.add("y", chip(Output(shape=(2,))))
    g.chain("x", "lin", "r")
    g.connect("r", "q", 1)
    g.chain("q", "w", "lif", "y")
    problems = entry_problems(g.validate())
    assert problems.keys() == {"lin", "q"}
    assert problems["lin"].startswith("per-synapse delays")
    assert problems["q"].startswith("reads 'r' through a delay of 1 steps")

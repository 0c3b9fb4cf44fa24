import numpy as np
import pytest

from snncompile.interop.nir import read_nir, write_nir
from snncompile.ir import CubaLIF, Graph, Input, Linear, Output
from snncompile.passes.move_delay_past_synapse import move_delay_past_synapse
from snncompile.simulate import simulate

RNG = np.random.default_rng(3)


def recurrent(bias=None) -> Graph:
    """A front end's form: the delay on the edge into the recurrent synapse."""
    g = Graph()
    g.add("x", Input(shape=(4,)))
    g.add("fc", Linear(weight=RNG.normal(0.6, 0.3, (5, 4))))
    g.add("lif", CubaLIF(shape=(5,), syn_decay=0.6, decay=0.85))
    g.add("rec", Linear(weight=RNG.normal(-0.1, 0.4, (5, 5)), bias=bias))
    g.add("y", Output(shape=(5,)))
    g.chain("x", "fc", "lif", "y")
    g.connect("lif", "rec", delay=1)
    g.connect("rec", "lif")
    return g.validate()


def test_moving_the_delay_keeps_every_spike():
    g = recurrent()
    moved = move_delay_past_synapse(g, "rec")
    assert {(e.src, e.dst): e.delay for e in moved.edges}[("rec", "lif")] == 1
    x = (RNG.random((3, 80, 4)) < 0.4).astype(float)
    a = simulate(g, x, record="all")
    b = simulate(moved, x, record="all")
    for name in ("lif", "y"):
        np.testing.assert_array_equal(a.recorded[name], b.recorded[name])
    assert a.recorded["lif"].sum() > 20


def test_a_bias_would_change_the_first_step_so_it_is_refused():
    with pytest.raises(ValueError, match="does not send zero to zero"):
        move_delay_past_synapse(recurrent(bias=np.ones(5)), "rec")
    # a bias of zeros is no bias
    move_delay_past_synapse(recurrent(bias=np.zeros(5)), "rec")


def test_nir_export_of_the_front_end_form(tmp_path):
    g = recurrent()
    write_nir(g, tmp_path / "rec.nir")
    back = read_nir(tmp_path / "rec.nir")
    x = (RNG.random((2, 60, 4)) < 0.4).astype(float)
    np.testing.assert_array_equal(simulate(g, x).output(), simulate(back, x).output())

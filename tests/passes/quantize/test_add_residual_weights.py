"""add_residual_weights: the main synapse, ``.lo`` and ``.lo2`` parts, by hand.

One excitatory 1x2 Linear into an integrate-and-fire neuron (decay 1, threshold 1: input
gain and threshold normalisation 1), scale 64 = ``2**act_shift`` and main exponent
forced to 0 on loihi2 (8-bit mantissas, a mixed-sign matrix drops one more bit,
exponents in [-16, 16]), so a weight ``w`` is the real mantissa target ``w`` itself:

- weights ``[200.3, 0.0123456]``: main ``[200, 0]`` at exponent 0;
- rest ``[0.3, 0.0123456]``: the smallest exponent whose 255 holds 0.3 is -9
  (``0.3 * 512 = 153.6``), mantissas ``round([153.6, 6.3209]) = [154, 6]``;
- rest ``[0.3 - 154/512, 0.0123456 - 6/512] = [-0.00078125, 0.00062685]``: mixed sign
  (even mantissas up to 254); its exponent would be -18 (``0.00078125 * 2**18 = 204.8``),
  clipped to the target's -16: ``[-51.2, 41.08]`` to even mantissas ``[-52, 42]``.
"""

from pathlib import Path

import numpy as np
import pytest

from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.passes.quantize.add_residual_weights import residual_notes, residual_suffix


def graph():
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(2,)))
    g.add("w", Linear(weight=np.array([[200.3, 0.0123456]])))
    g.add("n", LIF(shape=(1,), decay=np.array(1.0), threshold=np.array(1.0)))
    g.add("y", Output(shape=(1,)))
    g.chain("x", "w", "n", "y")
    return g


def compiled(split):
    options = QuantizeOptions(scale=64, weight_exp=0, weight_split=split, auto_precision=False)
    return quantize(graph(), "loihi2", options).fixed


def parts(fixed):
    return [(fixed.nodes[n].weight.tolist(), fixed.nodes[n].weight_exp)
            for n in ("w", "w.lo", "w.lo2") if n in fixed.nodes]


def test_suffixes():
    assert [residual_suffix(k) for k in range(4)] == ["", ".lo", ".lo2", ".lo3"]


@pytest.mark.parametrize("split, expected", [
    (1, [([[200, 0]], 0)]),
    (2, [([[200, 0]], 0), ([[154, 6]], -9)]),
    (3, [([[200, 0]], 0), ([[154, 6]], -9), ([[-52, 42]], -16)]),
])
def test_the_parts_by_hand(split, expected):
    fixed = compiled(split)
    assert parts(fixed) == expected
    for name in ("w.lo", "w.lo2")[: split - 1]:  # wired as the main synapse is
        assert {(e.src, e.dst) for e in fixed.edges if name in (e.src, e.dst)} == {("x", name), (name, "n")}


def test_each_part_shrinks_the_error():
    exact = np.array([200.3, 0.0123456])
    errors = []
    for split in (1, 2, 3):
        total = sum(np.array(m[0], float) * 2.0**e for m, e in parts(compiled(split)))
        errors.append(float(np.max(np.abs(total - exact))))
    assert errors[0] == pytest.approx(0.3)
    assert errors[1] == pytest.approx(0.00078125)
    assert errors[2] == pytest.approx(abs(0.0123456 - 6 / 512 - 42 / 2**16))  # 1.5e-5: the clipped exponent
    assert errors[0] > 300 * errors[1] and errors[1] > 50 * errors[2]


def test_the_note_names_the_parts():
    (note,) = residual_notes(compiled(3))
    assert note.startswith("weight_split=3: 2 residual synapse(s) ('<name>.lo', '<name>.lo2'")


def test_four_parts_are_refused():
    from snncompile.errors import InputError

    with pytest.raises(InputError, match="weight_split=4: must be 1, 2 or 3"):
        QuantizeOptions(weight_split=4)


def test_lava_sums_three_parts_as_the_emulator():
    """Lava's Dense floors each part's sum on its own, as the emulator does: the NIR
    paper's zero-reset Braille network with three parts per weight matrix and bias
    column gives the same spikes in every layer (Lava has no subtract reset, so not the
    L2MU)."""
    pytest.importorskip("lava")
    from snncompile.compare import compare_graphs
    from snncompile.interop.nir import read_nir

    data = Path(__file__).parents[2] / "data"
    x = np.load(data / "braille/braille7_fold0.npz")["spikes"].astype(float)[:11]
    g = read_nir(data / "nir_paper/03_rnn/braille_noDelay_bias_zero.nir", dt=1e-4, reset="zero",
                 reset_timing="immediate", comparator=">")
    q = quantize(g, "loihi2", QuantizeOptions(weight_split=3, bias_split=3, auto_precision=False), calibrate=x[:10])
    assert any(n.endswith(".lo2") for n in q.fixed.nodes)
    c = compare_graphs(g, q.fixed, q.lags, x[10:, :60], ["emulator", "lava"])
    assert c.pairs[0].first_layer is None and all(r.spikes_a > 0 for r in c.pairs[0].layers)

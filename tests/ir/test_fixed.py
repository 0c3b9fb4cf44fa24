import numpy as np
import pytest

from snncompile.errors import GraphError
from snncompile.ir import load_graph, save_graph
from snncompile.ir.fixed import (
    FixedGraphBuilder,
    FixedLIF,
    FixedLinear,
    SignMode,
    path_latency,
    sum_pool_conv,
)

try:  # Lava's own weight rules are the ground truth when Lava imports
    from lava.utils.weightutils import SignMode as LavaSignMode
    from lava.utils.weightutils import clip_weights, truncate_weights
except Exception:  # pragma: no cover - lava needs the py3.11 import fix
    LavaSignMode = None


def _lava_effective(w, mode, bits):
    lava_mode = {SignMode.MIXED: LavaSignMode.MIXED, SignMode.EXCITATORY: LavaSignMode.EXCITATORY,
                 SignMode.INHIBITORY: LavaSignMode.INHIBITORY}[mode]
    return truncate_weights(clip_weights(w, lava_mode, num_bits=8), lava_mode, bits)


@pytest.mark.parametrize("mode", [None, *SignMode])
@pytest.mark.parametrize("bits", [1, 3, 6, 8])
def test_effective_weight_matches_lava_rule(mode, bits):
    if LavaSignMode is None:
        from snncompile.backends.lava.compat import ensure_lava

        ensure_lava()
        pytest.importorskip("lava")
    rng = np.random.default_rng(bits)
    w = rng.integers(-400, 400, size=(7, 9))
    node = FixedLinear(weight=w, num_weight_bits=bits, sign_mode=mode)
    got = node.effective_weight()
    assert np.array_equal(got, _lava_effective(w, node.resolved_sign_mode(), bits))


def test_sign_mode_resolution():
    assert FixedLinear(weight=[[0, 3]]).resolved_sign_mode() is SignMode.EXCITATORY
    assert FixedLinear(weight=[[0, -3]]).resolved_sign_mode() is SignMode.INHIBITORY
    assert FixedLinear(weight=[[1, -3]]).resolved_sign_mode() is SignMode.MIXED
    # mixed drops one extra LSB: odd weights become even, floored
    assert FixedLinear(weight=[[3, -3]]).effective_weight().tolist() == [[2, -4]]


def test_builder_states_lava_timing_and_roundtrips(tmp_path):
    b = FixedGraphBuilder((2,))
    b.linear(np.array([[10, -3], [4, 5]]), delay=2)
    lif = b.lif(du=4095, dv=163, vth=25, bias_mant=[1, 2])
    b.recurrent(np.eye(2, dtype=int) * -5, delay=1)
    b.output()
    g = b.graph.validate()
    delays = {(e.src, e.dst): e.delay for e in g.edges}
    assert delays[("fc1", lif)] == 3 and delays[("rec3", lif)] == 2
    assert path_latency(g, "input", "output") == 3
    save_graph(g, tmp_path / "g.snnir")
    assert load_graph(tmp_path / "g.snnir").equals(g)


def test_invalid_fields_are_all_reported():
    b = FixedGraphBuilder((3,))
    b.linear(np.ones((2, 3), int), num_weight_bits=9, delays=np.full((2, 3), 64))
    b.output()
    c = FixedGraphBuilder((3,))
    c.linear(np.ones((2, 3), int))
    c.lif(du=5000, dv=-2, vth=1 << 17, bias_mant=5000, bias_exp=9)
    c.output()
    for graph, words in ((b.graph, ("num_weight_bits", "delays")),
                         (c.graph, ("du", "dv", "vth", "bias_mant", "bias_exp"))):
        with pytest.raises(GraphError) as exc:
            graph.validate()
        for word in words:
            assert word in str(exc.value)


def test_non_integer_parameter_rejected():
    with pytest.raises(ValueError):
        FixedLIF(shape=(2,), bias_mant=[0.5, 1])


def test_sum_pool_conv_shape():
    node = sum_pool_conv(4, 2)
    assert node.output_shape((4, 8, 6)) == (4, 4, 3)
    assert node.check((4, 8, 6)) == []

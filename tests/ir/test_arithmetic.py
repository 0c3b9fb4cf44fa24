import numpy as np

from snncompile.ir.arithmetic import (
    NEURON_ARITHMETIC,
    SYNAPSE_ARITHMETIC,
    DecayEncoding,
    StateRange,
    WeightRange,
    default_of,
    non_default,
)
from snncompile.ir.fixed import FixedLIF, FixedLinear, SignMode


def test_state_ranges():
    assert StateRange.SYMMETRIC.bounds(24) == (-(2**23 - 1), 2**23 - 1)
    assert StateRange.TWOS_COMPLEMENT.bounds(16) == (-32768, 32767)


def test_defaults_are_lavas_and_differences_are_named():
    assert default_of(DecayEncoding) is DecayEncoding.MULTIPLY
    lava = FixedLIF(shape=(2,))
    assert non_default(lava, NEURON_ARITHMETIC) == {}
    xylo = lava.replace(decay_encoding="shift", state_range="twos_complement")
    assert non_default(xylo, NEURON_ARITHMETIC) == {"decay_encoding": "shift", "state_range": "twos_complement"}
    syn = FixedLinear(weight=[[1]], accumulate="saturate", accum_bits=16)
    assert non_default(syn, SYNAPSE_ARITHMETIC) == {"accumulate": "saturate"}


def test_weight_ranges_and_the_mixed_sign_shift():
    w = np.array([[-300, -128, 127, 300]])
    lava = FixedLinear(weight=w)  # 8 bits + sign, one extra bit dropped when mixed
    assert lava.effective_weight().tolist() == [[-256, -128, 126, 254]]
    xylo = FixedLinear(weight=w, weight_bits=7, num_weight_bits=7, mixed_sign_extra_shift=0)
    assert xylo.effective_weight().tolist() == [[-128, -128, 127, 127]]
    sym = FixedLinear(weight=w, mixed_sign_extra_shift=0, weight_range=WeightRange.SYMMETRIC)
    assert sym.effective_weight().tolist() == [[-255, -128, 127, 255]]
    assert FixedLinear(weight=[[-300]], sign_mode=SignMode.INHIBITORY, weight_bits=7, num_weight_bits=7,
                       mixed_sign_extra_shift=0).effective_weight().tolist() == [[-127]]


def test_fixed_lif_checks_its_arithmetic():
    def problems(**fields):
        return FixedLIF(shape=(2,), **fields).check((2,))

    assert any("max_spikes=3 needs reset 'subtract'" in p for p in problems(max_spikes=3))
    assert problems(max_spikes=3, reset="subtract") == []
    assert any("act_shift must be 0" in p for p in problems(current_overflow="saturate"))
    assert problems(decay_encoding="shift", decay_bits=4, du=15, dv=0) == []
    assert any("du must lie in [0, 15]" in p for p in problems(decay_encoding="shift", decay_bits=4, du=16))
    assert any("decay_encoding 'none'" in p for p in problems(decay_encoding="none", du=3))


def test_saturating_synapse_shift_must_keep_one_event_in_range():
    ok = FixedLinear(weight=[[127]], weight_bits=7, num_weight_bits=7, accumulate="saturate", accum_bits=16,
                     weight_exp=8)
    assert ok.check((1,)) == []
    assert any("weight_exp must lie in [0, 8]" in p for p in ok.replace(weight_exp=9).check((1,)))
    assert any("weight_exp must lie in [0, 8]" in p for p in ok.replace(weight_exp=-1).check((1,)))

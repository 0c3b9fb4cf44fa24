import pytest

from snncompile.errors import UnsupportedError
from snncompile.ir.arithmetic import DecayEncoding
from snncompile.passes.quantize.decays import ENCODINGS

SHIFT, MULTIPLY, NONE = (ENCODINGS[e] for e in (DecayEncoding.SHIFT, DecayEncoding.MULTIPLY, DecayEncoding.NONE))


def test_shift_rounds_in_the_log_domain_and_stays_in_its_bits():
    # Rockpool's round(log2(tau / dt)) with tau = dt / (1 - decay)
    assert [SHIFT.membrane("n", d, 4, 16, "nearest") for d in (0.0, 0.5, 0.75, 0.85, 0.9, 0.99, 1.0)] == \
        [0, 1, 2, 3, 3, 7, 15]
    assert SHIFT.current("n", 0.45, 4, 16, "nearest") == 1 and SHIFT.kept_current(2, 4, 16) == 0.75


def test_multiply_is_lavas_encoding():
    assert MULTIPLY.membrane("n", 0.96, 12, 4096, "nearest") == 164
    assert MULTIPLY.current("n", 0.0, 12, 4096, "nearest") == 4095  # no current memory
    assert MULTIPLY.current("n", 1.0, 12, 4096, "nearest") == -1  # keeps all of it
    assert MULTIPLY.kept_current(-1, 12, 4096) == 1.0


def test_none_allows_only_integrate_and_fire():
    assert NONE.membrane("n", 1.0, 1, 2, "nearest") == 0 and NONE.current("n", 0.0, 1, 2, "nearest") == 0
    with pytest.raises(UnsupportedError, match="neuron 'n': membrane decay 0.9"):
        NONE.membrane("n", 0.9, 1, 2, "nearest")
    with pytest.raises(UnsupportedError, match="neuron 'n': synaptic current decay 0.5"):
        NONE.current("n", 0.5, 1, 2, "nearest")

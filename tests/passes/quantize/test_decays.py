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


def test_constants_clip_into_their_fields():
    """A decay the field cannot hold clips to its range: multiply's ``du`` to
    ``-1 .. 2**bits - 1`` (a current that would grow keeps all of it; a decay past zero
    keeps none), shift's ``d`` to ``0 .. 2**bits - 1`` (1 - 2**-4 wants d = 4: 2 bits hold 3)."""
    assert MULTIPLY.current("n", 1.5, 12, 4096, "nearest") == -1     # rnd(4096 * -0.5) - 1 = -2049
    assert MULTIPLY.current("n", 1e-6, 12, 8192, "nearest") == 4095  # rnd(8192 (1 - 1e-6)) - 1 = 8191
    assert SHIFT.membrane("n", 1 - 2**-4, 2, 4, "nearest") == 3
    assert SHIFT.membrane("n", 1 - 2**-4, 3, 8, "nearest") == 4


def test_no_leak_and_no_current_memory_at_the_ends():
    """decay 0 keeps 0: dv = rnd(4096 * 1) = 4096 does not fit 12 bits, 4095 keeps 1/4096;
    the encoding without constants keeps no current."""
    assert MULTIPLY.membrane("n", 0.0, 12, 4096, "nearest") == 4095
    assert NONE.kept_current(0, 1, 2) == 0.0


def test_no_current_memory_is_the_largest_du_whatever_the_unity():
    """With decay_unity 4095 (the NIR paper's choice) the formula would give
    rnd(4095) - 1 = 4094, which keeps 1/4096 of u on the chip; no memory is du = 4095."""
    assert MULTIPLY.current("n", 0.0, 12, 4095, "trunc") == 4095


def test_shift_of_a_small_decay_is_zero_and_large_shifts_fill_the_field():
    """decay 0.2: round(-log2 0.8) = round(0.32) = 0; 1 - 2**-7 needs d = 7, which 3 bits hold."""
    assert SHIFT.membrane("n", 0.2, 4, 16, "nearest") == 0
    assert SHIFT.membrane("n", 1 - 2**-7, 3, 8, "nearest") == 7

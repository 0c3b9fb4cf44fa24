import numpy as np
import pytest

from snncompile.ir.fixed import FixedLinear
from snncompile.passes.quantize.numbers import (
    exponent_for,
    quantize_to_grid,
    split_bias,
    to_int,
    weight_grid,
)


def test_rounding_rules():
    x = np.array([2.5, -2.5, 1.49, -1.51, 163.84])
    assert to_int(x, "nearest").tolist() == [3, -3, 1, -2, 164]
    assert to_int(x, "trunc").tolist() == [2, -2, 1, -1, 163]
    # 0.04 * 4096 is 163.84 in decimal; float error must not change a truncation of an exact product
    assert to_int(np.float64(0.29) * 100, "trunc") == 29


@pytest.mark.parametrize("weights, mode, lo, hi, step", [
    ([0.5, -0.25], "mixed", -256, 254, 2),
    ([0.5, 0.0], "excitatory", 0, 255, 1),
    ([-0.5, 0.0], "inhibitory", -255, 0, 1),
])
def test_weight_grid_matches_lava_sign_modes(loihi2, weights, mode, lo, hi, step):
    grid = weight_grid(np.array(weights), loihi2)
    assert (grid.sign_mode, grid.lo, grid.hi, grid.step) == (mode, lo, hi, step)


def test_fewer_weight_bits_coarsen_the_grid(loihi2):
    grid = weight_grid(np.array([1.0, -1.0]), loihi2, bits=6)
    assert (grid.lo, grid.hi, grid.step) == (-256, 248, 8)


def test_grid_mantissas_survive_the_chip_truncation(loihi2):
    """Every mantissa the quantizer writes is one the chip keeps unchanged (the emulator's
    weight rule was checked against Lava's weightutils by its author)."""
    rng = np.random.default_rng(0)
    for bits in (8, 5):
        w = rng.normal(size=(6, 9)) * 300
        grid = weight_grid(w, loihi2, bits)
        mant, _ = quantize_to_grid(w, grid, "nearest")
        chip = FixedLinear(weight=mant, num_weight_bits=bits).effective_weight()
        assert np.array_equal(chip, mant)


def test_clipped_count_is_exact(loihi2):
    grid = weight_grid(np.array([1.0, -1.0]), loihi2)
    mant, clipped = quantize_to_grid(np.array([300.0, -300.0, 254.4, -257.0, 10.0]), grid, "nearest")
    assert mant.tolist() == [254, -256, 254, -256, 10] and clipped == 3


def test_exponent_for():
    assert exponent_for(255.0, 255) == 0
    assert exponent_for(255.0 * (1 + 1e-12), 255) == 0  # float noise of a scale chosen to fill the range
    assert exponent_for(256.0, 255) == 1
    assert exponent_for(10.0, 255) == -4  # 10 * 16 = 160 <= 255 < 320
    assert exponent_for(0.0, 255) == 0


def test_split_bias_uses_smallest_exponent_and_clips(loihi2):
    mant, exp, clipped = split_bias(np.array([100.0, -5000.0, 4095.0 * 128 * 2]), loihi2, "nearest")
    assert exp.tolist() == [0, 1, 7] and mant.tolist() == [100, -2500, 4095] and clipped == 1


def test_weight_grids_are_the_chips_8_bit_ranges(loihi2):
    """Lava's 8-bit weights (docs/loihi.md): excitatory [0, 255], inhibitory [-255, 0],
    mixed [-256, 255] with one LSB dropped: even mantissas in [-256, 254]."""
    def grid(w):
        g = weight_grid(np.array(w, float), loihi2)
        return g.lo, g.hi, g.step, g.sign_mode

    assert grid([0.5, 1.0]) == (0, 255, 1, "excitatory")
    assert grid([-0.5, -1.0]) == (-255, 0, 1, "inhibitory")
    assert grid([-0.5, 1.0]) == (-256, 254, 2, "mixed")


def test_exponents_of_tiny_ranges():
    """1e-30 / 2**-107 = 162 <= 255 < 324; a range within 1e-9 above 255 * 2**-64 is
    that exponent (the log says -63); a ratio that underflows to 0 (log2 of 0 has no
    integer) gets -64, where the search stops."""
    assert exponent_for(1e-30, 255) == -107
    assert exponent_for(255 * 2.0**-64 * (1 + 1e-12), 255) == -64
    assert exponent_for(5e-324, 255) == -64


def test_grid_magnitude_and_what_counts_as_clipped(loihi2):
    """An inhibitory grid's usable magnitude is 255; a target on the grid's edge is not
    clipped, one beyond it is (mixed: even mantissas in [-256, 254])."""
    assert weight_grid(np.array([-0.5, -1.0]), loihi2).magnitude == 255
    grid = weight_grid(np.array([-0.5, 1.0]), loihi2)
    m, clipped = quantize_to_grid(np.array([-256.0, 254.0, 300.0, -300.0]), grid, "nearest")
    assert m.tolist() == [-256, 254, 254, -256] and clipped == 2


def test_the_downward_search_stops_at_minus_64():
    """Within 1e-9 above 255 * 2**-65 the log says -64 and the search does not go below."""
    assert exponent_for(255 * 2.0**-65 * (1 + 1e-12), 255) == -64


def test_fewer_weight_bits_coarsen_every_sign_modes_grid(loihi2):
    """6 of 8 bits: Lava drops the 2 low bits, so multiples of 4 up to 252 on each side
    (and of 8 for a mixed-sign matrix, which loses one more)."""
    for w, expected in (([0.5], (0, 252, 4)), ([-0.5], (-252, 0, 4)), ([-0.5, 0.5], (-256, 248, 8))):
        g = weight_grid(np.array(w), loihi2, bits=6)
        assert (g.lo, g.hi, g.step) == expected


def test_a_range_on_the_tolerance_boundary_keeps_its_exponent():
    """The docstring's rule is ``max_abs / 2**e <= magnitude * (1 + 1e-9)``, inclusive:
    a range exactly on that bound (scaled by a power of two, which is exact in float)
    keeps the smaller exponent."""
    edge = 255 * (1 + 1e-9)
    assert exponent_for(edge, 255) == 0
    assert exponent_for(2 * edge, 255) == 1
    assert exponent_for(edge / 8, 255) == -3


def test_a_bias_mantissa_at_the_largest_is_not_clipped(loihi2):
    """Lava's 13-bit signed bias mantissa holds +-4095 (2**12 - 1): 4095 and -4095 fit at
    exponent 0 and 4095 * 2**7 at the largest exponent 7, none clipped; 4096 * 2**7 is."""
    mant, exp, clipped = split_bias(np.array([4095.0, -4095.0, 4095.0 * 2**7]), loihi2, "nearest")
    assert (mant.tolist(), exp.tolist(), clipped) == ([4095, -4095, 4095], [0, 0, 7], 0)
    mant, exp, clipped = split_bias(np.array([4096.0 * 2**7]), loihi2, "nearest")
    assert (mant.tolist(), exp.tolist(), clipped) == ([4095], [7], 1)


def test_a_subnormal_range_whose_ratio_rounds_down_is_guarded():
    """max_abs = 2142 * 2**-1074 (a subnormal): max_abs / 255 is 8.4 units of 2**-1074 and
    rounds to 8 units, so log2 says -1071 exactly, where max_abs / 2**-1071 = 2142 / 8 =
    267.75 > 255. The smallest e with max_abs / 2**e <= 255 is -1070 (2142 / 16 = 133.9)."""
    assert exponent_for(2142 * 2.0**-1074, 255) == -1070

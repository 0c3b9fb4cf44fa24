import numpy as np
import pytest

from snncompile.datasets.events import bin_events, event_steps, steps_for
from snncompile.errors import InputError


def test_integer_times_fall_into_exact_decimal_bins():
    # 7000 us at dt = 1 ms is step 7, though 7000 * 1e-6 / 1e-3 in floats is 6.999999999999999
    assert np.floor(7000 * 1e-6 / 1e-3) == 6
    assert event_steps(np.array([0, 999, 1000, 6999, 7000, 17000]), 1e-6, 1e-3).tolist() == [0, 0, 1, 6, 7, 17]


def test_float_times_are_binned_as_the_numbers_they_store():
    assert event_steps(np.array([0.007, 0.0069999]), 1.0, 1e-3).tolist() == [7, 6]  # guard: 6.999999999999999
    # float32 0.01 stores 0.0099999998: before the 10 ms edge (as tonic's int(t * 1e6) also has it)
    assert event_steps(np.array([0.01], np.float32), 1.0, 1e-3).tolist() == [9]


def test_bins_against_a_plain_loop():
    rng = np.random.default_rng(3)
    t = np.sort(rng.integers(0, 20_000, 500))  # microseconds
    x, y = rng.integers(0, 4, 500), rng.integers(0, 3, 500)
    frame, dropped = bin_events(t, (y, x), (3, 4), 15, 1e-6, 1e-3, "count", "test")
    expected = np.zeros((15, 3, 4))
    for ti, yi, xi in zip(t, y, x):
        if ti // 1000 < 15:
            expected[ti // 1000, yi, xi] += 1
    assert np.array_equal(frame, expected)
    assert dropped == int((t >= 15_000).sum()) > 0
    binary, _ = bin_events(t, (y, x), (3, 4), 15, 1e-6, 1e-3, "binary", "test")
    assert np.array_equal(binary, np.minimum(expected, 1))


def test_steps_cover_the_last_event():
    assert steps_for(2999, 1e-6, 1e-3) == 3
    assert steps_for(3000, 1e-6, 1e-3) == 4


def test_bad_events_are_named():
    with pytest.raises(InputError, match="rec 5: event coordinate 4 on axis 0 outside the graph's input shape"):
        bin_events(np.array([1, 2]), (np.array([0, 4]),), (4,), 3, 1e-3, 1e-3, "count", "rec 5")
    with pytest.raises(InputError, match="negative event times"):
        bin_events(np.array([-1.0]), (np.array([0]),), (4,), 3, 1.0, 1e-3, "count", "rec")

"""A mixed graph on Lava: each chip segment runs on Lava's fixed_pt models with its host
inputs replayed, and equals the emulator bit for bit."""

import numpy as np
import pytest

from snncompile.emulator import emulate
from snncompile.testing.mixed_graphs import chip_host_chip

pytestmark = pytest.mark.lava


def test_every_chip_segment_equals_the_emulator():
    from snncompile.backends.lava import run_lava

    g = chip_host_chip(seed=2)
    x = (np.random.default_rng(5).random((2, 20, 6)) < 0.5).astype(np.int64)
    chip = ["h", "out"]
    emu = emulate(g, x, record=chip + ["mix"], membranes=chip)
    lava = run_lava(g, x, record=chip + ["mix"], membranes=chip)
    assert emu.recorded["out"].sum() > 0 and emu.recorded["h"].sum() > 0
    for n in chip:
        np.testing.assert_array_equal(lava.recorded[n], emu.recorded[n], err_msg=n)
        np.testing.assert_array_equal(lava.membranes[n], emu.membranes[n], err_msg=n)
    np.testing.assert_array_equal(lava.output(), emu.output())
    np.testing.assert_array_equal(lava.recorded["mix"], emu.recorded["mix"])  # host values: replayed

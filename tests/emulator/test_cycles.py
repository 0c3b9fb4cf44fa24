import numpy as np
import pytest

from snncompile.emulator import emulate
from snncompile.emulator.cycles import core_description
from snncompile.errors import InputError
from snncompile.ir.fixed import FixedGraphBuilder
from snncompile.targets.loader import load_target


def test_core_description_from_a_target_names_what_is_missing():
    target = load_target("cortex-m4")
    with pytest.raises(InputError) as exc:
        core_description(target)
    assert "cycles.per_spike" in str(exc.value) and "limits.neurons_per_core" in str(exc.value)
    desc = core_description(target, cycles_per_spike=3, neurons_per_core=64)
    assert desc["cycles_per_synop"] == target.cycles["per_synop"].value
    assert desc["clock_hz"] == target.timing["clock_hz"].value


def test_cycle_model_places_populations_on_cores_and_takes_the_slowest():
    b = FixedGraphBuilder((4,))
    b.linear(np.ones((6, 4), int) * 100)
    b.lif(du=4095, dv=4095, vth=10)
    b.output()
    x = np.zeros((1, 3, 4), np.int64)
    x[0, 0, :2] = 1
    desc = {"neurons_per_core": 4, "cycles_per_synop": 1, "cycles_per_neuron_update": 10, "barrier_cycles": 5,
            "clock_hz": 100.0}
    r = emulate(b.graph, x, cores=desc)
    assert r.cycles["cores"] == 2  # 6 neurons, 4 per core
    # step 0: 2 events x 6 synapses, 8 on core 0 (4 neurons x 2), 4 on core 1
    assert r.cycles["core_cycles"][0].tolist() == [4 * 10 + 8, 2 * 10 + 4]
    assert r.cycles["step_cycles"][0].tolist() == [48 + 5, 45, 45]
    assert r.cycles["seconds_per_sample"][0] == pytest.approx((53 + 45 + 45) / 100.0)

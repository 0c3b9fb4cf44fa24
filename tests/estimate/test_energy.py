"""Exact energies and latencies of the hand-computed network (tests/estimate/README.md:
11 effective synaptic ops (fc1 5, fc2 6), 18 synaptic events with zero weights (fc1 10,
fc2 8), 16 neuron updates of which 7 active, 7 spikes, 4 spike deliveries into fc2,
4 steps) on every built-in target."""

import pytest

from snncompile.estimate.energy import estimate, sram_access_j
from snncompile.estimate.metrics import compute_metrics
from snncompile.targets import list_targets, load_target

pJ, nJ = 1e-12, 1e-9


@pytest.fixture
def metrics(two_layer):
    g, act = two_layer
    return compute_metrics(g, act)


def _one(metrics, target, model=None):
    (e,) = estimate(metrics, load_target(target), model)
    return e


def test_paper_method(metrics):
    e = _one(metrics, "paper-45nm", "paper")
    assert e.energy_j == pytest.approx(18 * 0.9 * pJ)  # no non-spiking layer: no MACs
    assert e.complete and set(e.figures) == {"energy.e_mac_j", "energy.e_ac_j"}
    assert e.figures["energy.e_ac_j"].provenance == "estimate"


def test_memory_aware(metrics):
    e = _one(metrics, "paper-45nm", "memory-aware")
    sram = [(8192, 10 * pJ), (32768, 20 * pJ), (1 << 20, 100 * pJ)]
    by = e.energy_by_term()
    assert by["ops: synaptic add"] == pytest.approx(11 * 0.9 * pJ)
    assert by["addressing"] == pytest.approx(11 * 0.1 * pJ)
    assert by["ops: neuron update"] == pytest.approx(16 * 4.6 * pJ)
    # fc1: 6 fp32 weights = 24 B, 5 effective ops; fc2: 16 B, 6 ops
    w = 5 * sram_access_j(sram, 24, 32) + 6 * sram_access_j(sram, 16, 32)
    assert by["memory: weight read"] == pytest.approx(w)
    assert by["memory: spike FIFO"] == pytest.approx((7 + 4) * 5 * pJ)  # 8 KiB, 32 of 64 bits
    assert e.complete


def test_sram_table_is_exact_at_its_points_and_sqrt_between():
    sram = [(8192, 10.0), (32768, 20.0), (1 << 20, 100.0)]
    assert sram_access_j(sram, 8192, 64) == pytest.approx(10)
    assert sram_access_j(sram, 32768, 64) == pytest.approx(20)
    assert sram_access_j(sram, 1 << 20, 64) == pytest.approx(100)
    assert sram_access_j(sram, 2048, 64) == pytest.approx(5)  # sqrt law below 8 KiB
    assert sram_access_j(sram, 8192, 16) == pytest.approx(2.5)


def test_loihi(metrics):
    e = _one(metrics, "loihi")
    by = e.energy_by_term()
    assert by["synaptic ops"] == pytest.approx(11 * 23.6 * pJ)
    assert by["neuron updates (active)"] == pytest.approx(7 * 81 * pJ)
    assert by["neuron updates (inactive)"] == pytest.approx(9 * 52 * pJ)
    assert by["spike routing (within tile)"] == pytest.approx(4 * 1.7 * pJ)
    assert e.step_latency_s == pytest.approx(465e-9) and "lower bound" in e.latency_note
    assert not e.complete and any("static_power_w" in x for x in e.missing)
    assert e.figures["energy.synop_j"].provenance == "simulated"


def test_truenorth_and_spinnaker2(metrics):
    tn = _one(metrics, "truenorth")
    assert tn.energy_by_term() == {"synaptic ops": pytest.approx(11 * 26 * pJ)}
    assert tn.latency_s == pytest.approx(4e-3)  # 1 ms tick
    sp = _one(metrics, "spinnaker2")
    assert sp.energy_by_term() == {"synaptic ops": pytest.approx(11 * 10 * pJ)}
    assert sp.latency_s is None and any("neuron_update_j" in x for x in sp.missing)


def test_mcus(metrics):
    # per effective synaptic op, per neuron update, per step: measured on the generated C (targets/cortex-m4.toml)
    cycles = 6.94 * 11 + 73.3 * 16 + 96 * 4
    m4 = _one(metrics, "cortex-m4")
    assert m4.cycles_per_step == pytest.approx(cycles / 4)
    assert m4.energy_j == pytest.approx(cycles * 0.3 * nJ)
    assert m4.latency_s == pytest.approx(cycles / 80e6)
    esp = _one(metrics, "esp32-s3")  # still hardware.md's estimates
    assert esp.energy_j == pytest.approx((5 * 11 + 8 * 16) * 0.935 * nJ)
    m7 = _one(metrics, "cortex-m7")
    assert m7.energy_j is None and m7.latency_s is None and len(m7.missing) == 2


def test_xylo_cycle_model_and_real_time(metrics):
    e = _one(metrics, "xylo-audio2")
    # dense weights: input 3.5 x 10 events + 1 x 3 channels x 4 steps; output synapses 8 x 8 events;
    # hidden neurons (3 + 19) x 8 updates + 1 x 4 spikes; output neurons 12 x 8 updates
    assert e.cycles_per_step * 4 == pytest.approx(35 + 12 + 64 + 176 + 4 + 96)
    assert e.step_latency_s == pytest.approx(1e-3)  # real time at the graph's dt
    assert e.energy_j == pytest.approx(219e-6 * 4e-3) and not e.complete


def test_speck_and_loihi2_report_what_is_missing(metrics):
    sp = _one(metrics, "speck")
    assert sp.energy_j == pytest.approx(0.42e-3 * 4e-3)
    assert any("synop_j" in x for x in sp.missing)
    assert "3.36 us" in sp.latency_note and sp.figures["timing.event_latency_s"].provenance == "derived"
    l2 = _one(metrics, "loihi2")
    assert l2.energy_j is None or not l2.complete
    assert any("Intel publishes no per-operation" in x for x in l2.missing)


def test_every_target_yields_a_record_with_provenance(metrics):
    for name in list_targets():
        for e in estimate(metrics, load_target(name)):
            d = e.to_dict()
            assert d["assumptions"] or d["missing"]
            for fig in d["figures"].values():
                assert fig["provenance"] and fig["source"]


CUSTOM_CHIP = """
schema_version = 1
name = "toychip"
kind = "neuromorphic"
description = "a user-described chip with a clock and cycle costs"
[timing]
execution = "time-stepped"
clock_hz = { value = 100e6, provenance = "specified", source = "test" }
barrier_s = { value = 1e-6, provenance = "estimate", source = "test" }
[limits]
cores = { value = 4, provenance = "specified", source = "test" }
neurons_per_core = { value = 2, provenance = "specified", source = "test" }
[cycles]
per_synop = { value = 2, provenance = "estimate", source = "test" }
per_neuron_update = { value = 3, provenance = "estimate", source = "test" }
[energy]
synop_j = { value = 1e-12, provenance = "estimate", source = "test" }
neuron_update_j = { value = 2e-12, provenance = "estimate", source = "test" }
static_power_w = { value = 1e-3, provenance = "estimate", source = "test" }
[features]
neuron_models = ["programmable"]
source = "test"
"""


def test_per_core_latency_cores_in_parallel_plus_barrier(two_layer, tmp_path):
    from snncompile.mapping import map_graph

    g, act = two_layer
    m = compute_metrics(g, act)
    path = tmp_path / "toychip.toml"
    path.write_text(CUSTOM_CHIP)
    target = load_target(path)
    placement = map_graph(g, target)
    assert [[s.layer for s in c.slices] for c in placement.cores] == [["hid"], ["out"]]
    (e,) = estimate(m, target, placement=placement)
    # core 0: (2 x 5 synops + 3 x 2 neurons x 4 steps) / 4 = 8.5 cycles per step;
    # core 1: (2 x 6 + 3 x 8) / 4 = 9 -> 9 cycles / 100 MHz + 1 us barrier
    assert e.step_latency_s == pytest.approx(9 / 100e6 + 1e-6)
    assert "cores in parallel" in e.latency_note and not e.latency_is_bound
    by = e.energy_by_term()
    assert by["synaptic ops"] == pytest.approx(11 * pJ)
    assert by["neuron updates"] == pytest.approx(16 * 2 * pJ)
    assert by["static power x latency"] == pytest.approx(1e-3 * 4 * (9 / 100e6 + 1e-6))
    assert e.complete
    (no_placement,) = estimate(m, target)  # without a placement: barrier only, a bound
    assert no_placement.step_latency_s == pytest.approx(1e-6) and no_placement.latency_is_bound


def test_paper_method_prices_the_non_spiking_first_layer_as_macs():
    import numpy as np

    from snncompile.estimate.activity import record_activity
    from snncompile.ir import LIF, Graph, Input, Linear, Output

    g = Graph()
    g.add("in", Input(shape=(3,)))
    g.add("fc1", Linear(weight=np.ones((4, 3))))
    g.add("n1", LIF(shape=(4,), threshold=0.5))
    g.add("fc2", Linear(weight=np.ones((2, 4))))
    g.add("n2", LIF(shape=(2,)))
    g.add("y", Output(shape=(2,)))
    g.chain("in", "fc1", "n1", "fc2", "n2", "y")
    x = np.full((1, 5, 3), 0.3)  # analog input: fc1 computes 12 MACs per step, densely
    m = compute_metrics(g, record_activity(g, x))
    n1_spikes = m.neurons[0].spikes
    assert n1_spikes > 0
    (e,) = estimate(m, load_target("paper-45nm"), "paper")
    by = e.energy_by_term()
    assert by["MAC (non-spiking input)"] == pytest.approx(12 * 5 * 4.6 * pJ)
    assert by["AC (SOP)"] == pytest.approx(n1_spikes * 2 * 0.9 * pJ)  # spikes x fan-out 2

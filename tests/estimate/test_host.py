"""Estimates of a compiled graph with host segments: the chip's part, the host's part
on a host descriptor, and both together; MCUs and hosts run all of it."""

import numpy as np
import pytest

from snncompile.compile import build_artifact
from snncompile.estimate.borrow import apply_borrowing
from snncompile.estimate.host_ops import host_op_counts
from snncompile.estimate.run import run_estimates
from snncompile.targets import load_target
from snncompile.testing.mixed_graphs import float_attention


@pytest.fixture(scope="module")
def report():
    x = (np.random.default_rng(1).random((4, 20, 4, 6)) < 0.5).astype(float)
    art = build_artifact(float_attention(), "loihi2", calibrate=x)
    targets = apply_borrowing([load_target("loihi2"), load_target("cortex-m4")], {"loihi2": "loihi"})
    return art, run_estimates(art.fixed, x, targets, backend="emulator")


def by(report, model):
    (e,) = [e for e in report.estimates if e.model == model]
    return e


def test_chip_metrics_leave_the_host_nodes_out(report):
    art, rep = report
    names = {s.name for s in rep.metrics.synapses} | {n.name for n in rep.metrics.neurons}
    assert names == {"q.w", "k.w", "attn.entry", "o.w", "q", "k", "attn", "out"}
    assert set(rep.metrics.host_ops) == {"qk", "attn.entry.q"}  # s folded into attn's threshold
    per_step = host_op_counts(art.fixed)
    assert rep.metrics.host_ops["qk"] == per_step["qk"] * 20 == 64 * 20


def test_host_segments_priced_on_the_host_descriptor(report):
    _, rep = report
    host = by(rep, "host segments")
    a72 = load_target("host-cortex-a72")
    ops = rep.metrics.host_ops_total
    assert host.energy_j == pytest.approx(ops * a72.number("energy", "mac_j"))
    assert host.step_latency_s == pytest.approx(ops / 20 * 0.25 / a72.number("timing", "clock_hz"))


def test_chip_plus_host_adds_energy_and_step_latency(report):
    _, rep = report
    chip, host, both = by(rep, "chip"), by(rep, "host segments"), by(rep, "chip + host")
    assert both.energy_j == pytest.approx(chip.energy_j + host.energy_j)
    assert both.step_latency_s == pytest.approx(chip.step_latency_s + host.step_latency_s)
    assert both.latency_is_bound  # Loihi 1's barrier, borrowed: a lower bound


def test_an_mcu_runs_the_host_segments_too(report):
    _, rep = report
    mcu = by(rep, "mcu")
    assert any("host segments" in a for a in mcu.assumptions)
    assert {t.layer for t in mcu.terms} >= {"qk", "attn.entry.q"}

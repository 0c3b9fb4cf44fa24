"""Every built-in target file validates and keeps its figures' provenance and source."""

from __future__ import annotations

import pytest

from snncompile.targets import (
    ENERGY_PROVENANCES,
    PROVENANCES,
    Figure,
    list_targets,
    load_target,
    schema,
)

EXPECTED = {
    "loihi", "loihi2", "truenorth", "spinnaker2", "speck", "xylo-audio2",
    "cortex-m4", "cortex-m7", "esp32-s3", "paper-45nm", "host-cortex-a72",
}


def _all_figures(target):
    for section in schema.FIGURE_SECTIONS:
        for key, fig in target.section(section).items():
            yield section, f"{section}.{key}", fig
    for bench in target.benchmarks.values():
        for key, fig in bench.figures.items():
            yield "benchmarks", f"benchmarks.{bench.name}.{key}", fig


def test_the_builtins_are_listed():
    assert set(list_targets()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_builtin_validates_and_name_matches_file(name):
    target = load_target(name)
    assert target.name == name
    assert target.path is not None and target.path.stem == name
    assert target.kind in schema.KINDS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_figure_has_provenance_and_source(name):
    figures = list(_all_figures(load_target(name)))
    assert figures, f"{name} has no figures"
    for section, path, fig in figures:
        assert isinstance(fig, Figure)
        assert fig.source.strip(), path
        allowed = ENERGY_PROVENANCES if section in ("energy", "benchmarks") else PROVENANCES
        assert fig.provenance in allowed, path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gaps_name_only_absent_keys(name):
    target = load_target(name)
    for dotted in target.gaps:
        section, _, key = dotted.partition(".")
        if section == "features":
            assert getattr(target.features, key, None) is None, dotted
        else:
            assert target.figure(section, key) is None, dotted


def test_loihi_figures_keep_value_provenance_and_source():
    loihi = load_target("loihi")
    synop = loihi.energy["synop_j"]
    assert synop.value == pytest.approx(23.6e-12)
    assert synop.provenance == "simulated"
    assert "Davies" in synop.source and "Table 2" in synop.source
    assert loihi.energy_j("neuron_update_active_j") == pytest.approx(81e-12)
    barrier = loihi.timing["barrier_s"]
    assert barrier.range == (pytest.approx(113e-9), pytest.approx(465e-9))


def test_loihi_fixed_point_convention_is_data():
    fp = load_target("loihi").fixed_point
    assert {k: fp[k].value for k in ("weight_mantissa_bits", "u_bits", "v_bits", "du_bits",
                                     "dv_bits", "threshold_shift", "activation_shift",
                                     "max_delay")} == {
        "weight_mantissa_bits": 8, "u_bits": 24, "v_bits": 24, "du_bits": 12,
        "dv_bits": 12, "threshold_shift": 6, "activation_shift": 6, "max_delay": 63,
    }
    assert fp["u_overflow"].value == "wrap" and fp["v_overflow"].value == "saturate"
    loihi2 = load_target("loihi2").fixed_point  # the same Lava convention; Loihi 2 shares conv kernels
    assert {k: v for k, v in loihi2.items() if k != "weight_sharing"} == {k: v for k, v in fp.items()
                                                                          if k != "weight_sharing"}


def test_speck_per_core_lists_are_tuples_of_entries():
    limits = load_target("speck").limits
    kernel = limits["kernel_memory_entries_per_core"].value
    neuron = limits["neuron_memory_entries_per_core"].value
    assert kernel == tuple(k * 1024 for k in (16, 16, 16, 32, 32, 64, 64, 16, 16))
    assert neuron == tuple(k * 1024 for k in (64, 64, 64, 32, 32, 16, 16, 16, 16))
    assert limits["allowed_strides"].value == (1, 2, 4, 8)
    assert load_target("speck").execution == "asynchronous"


def test_unknown_figures_are_none_and_explained():
    m7 = load_target("cortex-m7")
    assert m7.energy_j("energy_per_cycle_j") is None
    assert "no Cortex-M7 figure" in (m7.gap("energy", "energy_per_cycle_j") or "")
    assert load_target("loihi2").features.graded_spike_bits == 32


def test_paper_method_matches_horowitz_sums():
    energy = load_target("paper-45nm").energy
    # E_MAC is fp32 mult + fp32 add; E_AC is fp32 add (hardware.md).
    mac = energy["fp32_mult_j"].value + energy["fp32_add_j"].value
    assert energy["e_mac_j"].value == pytest.approx(mac)
    assert energy["e_ac_j"].value == pytest.approx(energy["fp32_add_j"].value)


@pytest.mark.parametrize("name", ["cortex-m4", "cortex-m7", "esp32-s3"])
def test_mcu_targets_compute_in_the_emulators_arithmetic_with_mcu_widths(name):
    from snncompile.passes.quantize.spec import spec_from_target

    target = load_target(name)
    spec = spec_from_target(target)
    assert (spec.weight_mantissa_bits, spec.v_bits, spec.synapse_latency) == (8, 24, 0)
    assert all(f.provenance == "specified" and f.source for f in target.fixed_point.values())
    assert "same step" in target.fixed_point["synapse_latency"].note

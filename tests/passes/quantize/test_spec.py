import pytest

from snncompile.errors import InputError
from snncompile.passes.quantize.spec import FixedPointSpec, spec_from_target


def test_loihi2_descriptor_gives_lava_widths(loihi2):
    assert loihi2.target == "loihi2"
    assert (loihi2.weight_mantissa_bits, loihi2.mixed_sign_extra_shift) == (8, 1)
    assert (loihi2.u_bits, loihi2.v_bits, loihi2.du_bits, loihi2.dv_bits) == (24, 24, 12, 12)
    assert (loihi2.threshold_mant_bits, loihi2.threshold_shift, loihi2.activation_shift) == (17, 6, 6)
    assert (loihi2.bias_mant_bits, loihi2.bias_exp_bits, loihi2.synapse_latency) == (13, 3, 1)
    assert loihi2.state_max == 2**23 - 1 and loihi2.threshold_max == 131071 and loihi2.bias_mant_max == 4095


def test_mapping_with_bare_values_and_figures(loihi2):
    table = {k: v for k, v in loihi2.to_dict().items() if k != "target"}
    table["weight_mantissa_bits"] = {"value": 6, "source": "made up"}
    spec = spec_from_target(table)
    assert spec.weight_mantissa_bits == 6 and spec.v_bits == 24 and spec.target == "custom"
    assert spec.digest() != loihi2.digest()


def test_every_problem_reported_at_once():
    with pytest.raises(InputError) as err:
        FixedPointSpec.from_mapping({"u_bits": 24, "v_bits": "24"}, source="my.toml [fixed_point]")
    message = str(err.value)
    assert message.startswith("my.toml [fixed_point]: ")
    assert "'v_bits' must be an integer" in message and "missing 'du_bits'" in message
    assert "missing 'weight_mantissa_bits'" in message


def test_target_without_fixed_point_table_is_refused():
    with pytest.raises(InputError, match="has no \\[fixed_point\\] table"):
        spec_from_target("paper-45nm")


def test_arithmetic_keys_are_read_and_checked_together(loihi2):
    table = {k: v for k, v in loihi2.to_dict().items() if k not in ("target", "assumed")}
    table.update(decay_encoding="shift", rounding="floor", u_bits=16, v_bits=16, du_bits=4, dv_bits=4,
                 comparators=[">="], u_overflow="saturate", activation_shift=0)
    spec = FixedPointSpec.from_mapping(table)
    assert spec.neuron_fields()["decay_encoding"].value == "shift" and spec.accumulate.value == "saturate"
    assert spec.synapse_fields()["accum_bits"] == 16
    with pytest.raises(InputError) as err:
        FixedPointSpec.from_mapping({**table, "decay_encoding": "cubic", "v_bits": 12, "rounding": "toward_zero",
                                     "typo_bits": 3}, source="chip.toml [fixed_point]")
    message = str(err.value)
    assert message.startswith("chip.toml [fixed_point]: ")
    assert "unknown key 'typo_bits'" in message and "'decay_encoding' must be one of" in message
    with pytest.raises(InputError) as err:
        FixedPointSpec.from_mapping({**table, "v_bits": 12, "rounding": "toward_zero"})
    assert "u_bits (16) and v_bits (12) must be equal" in str(err.value)
    assert "decay_encoding 'shift' rounds 'floor'" in str(err.value)


def test_assumed_figures_are_listed():
    assert spec_from_target("loihi2").assumed == () and spec_from_target("xylo-audio2").assumed == ()
    truenorth = spec_from_target("truenorth")
    assert {"v_bits", "threshold_mant_bits", "weight_mantissa_bits"} <= set(truenorth.assumed)
    assert FixedPointSpec.from_mapping(truenorth.to_dict()).assumed == truenorth.assumed

"""A broken target file reports every violation at once, naming file and key."""

from __future__ import annotations

import copy

import pytest

from snncompile.errors import SnnCompileError
from snncompile.targets import TargetError, load_target, validate_document
from snncompile.targets.loader import read_document

GOOD = {
    "schema_version": 1,
    "name": "mychip",
    "kind": "neuromorphic",
    "description": "test chip",
    "timing": {"execution": "time-stepped"},
    "limits": {"cores": {"value": 4, "provenance": "specified", "source": "spec"}},
    "features": {"neuron_models": ["lif"], "source": "spec"},
    "energy": {"synop_j": {"value": 1e-12, "provenance": "measured", "source": "lab"}},
}


def _paths(doc):
    return [v.path for v in validate_document(doc, "chip.toml")]


def test_good_document_has_no_violations():
    assert validate_document(GOOD, "chip.toml") == []


def test_all_violations_are_reported_together():
    doc = copy.deepcopy(GOOD)
    del doc["name"]                                           # missing key
    doc["energy"]["synop_j"]["provenance"] = "guess"          # bad provenance
    doc["energy"]["neuron_update_j"] = {"value": -5e-12, "provenance": "estimate",
                                        "source": "x"}        # negative energy
    doc["limits"]["cores"]["value"] = "128"                   # wrong type
    doc["limits"]["neurons_per_cor"] = doc["limits"]["cores"]  # typo
    found = validate_document(doc, "chip.toml")
    paths = [v.path for v in found]
    assert paths.count("name") == 1
    assert "energy.synop_j.provenance" in paths
    assert "energy.neuron_update_j.value" in paths
    assert "limits.cores.value" in paths
    assert "limits.neurons_per_cor" in paths
    by_path = {v.path: v for v in found}
    assert "measured" in by_path["energy.synop_j.provenance"].expected
    assert by_path["energy.synop_j.provenance"].found == "'guess'"
    assert by_path["energy.neuron_update_j.value"].expected == "a value > 0"
    assert "string" in by_path["limits.cores.value"].found
    assert "neurons_per_core" in by_path["limits.neurons_per_cor"].expected
    assert all(v.file == "chip.toml" for v in found)


def test_energy_may_not_be_specified():
    doc = copy.deepcopy(GOOD)
    doc["energy"]["synop_j"]["provenance"] = "specified"
    assert _paths(doc) == ["energy.synop_j.provenance"]


def test_figure_needs_value_provenance_and_source():
    doc = copy.deepcopy(GOOD)
    doc["limits"]["cores"] = {"value": 4, "source": "", "extra": 1}
    assert sorted(_paths(doc)) == ["limits.cores.extra", "limits.cores.provenance",
                                   "limits.cores.source"]
    doc["limits"]["cores"] = 4
    assert _paths(doc) == ["limits.cores"]


def test_bool_is_not_a_number():
    doc = copy.deepcopy(GOOD)
    doc["limits"]["cores"]["value"] = True
    assert _paths(doc) == ["limits.cores.value"]


def test_range_must_hold_the_value():
    doc = copy.deepcopy(GOOD)
    doc["energy"]["synop_j"]["range"] = [2e-12, 3e-12]
    assert _paths(doc) == ["energy.synop_j.range"]
    doc["energy"]["synop_j"]["range"] = [3e-12, 2e-12]
    assert _paths(doc) == ["energy.synop_j.range"]


def test_required_sections_depend_on_kind():
    doc = copy.deepcopy(GOOD)
    del doc["features"], doc["timing"]
    assert sorted(_paths(doc)) == ["features", "timing"]
    doc["kind"] = "method"
    assert _paths(doc) == []
    doc["kind"] = "fpga"
    assert _paths(doc) == ["kind"]


def test_feature_rules():
    doc = copy.deepcopy(GOOD)
    doc["features"].update(graded_spikes=True, reset_modes=["zero", "half"],
                            comparators=">")
    assert sorted(_paths(doc)) == ["features.comparators", "features.graded_spike_bits",
                                   "features.reset_modes"]


def test_gaps_must_name_absent_schema_keys():
    doc = copy.deepcopy(GOOD)
    doc["gaps"] = {"energy.synop_j": "dup", "energy.nonsense_j": "x", "limits.state_bits": ""}
    assert sorted(_paths(doc)) == ["gaps.energy.nonsense_j", "gaps.energy.synop_j",
                                   "gaps.limits.state_bits"]


def test_schema_version_and_name_are_checked():
    doc = copy.deepcopy(GOOD)
    doc.update(schema_version=2, name="My Chip", colour="red")
    assert sorted(_paths(doc)) == ["colour", "name", "schema_version"]


BROKEN_TOML = """\
schema_version = 1
kind = "neuromorphic"
description = "broken"
[timing]
execution = "clocked"
[limits]
cores = { value = "many", provenance = "specified", source = "x" }
[features]
neuron_models = ["lif"]
source = "x"
[energy]
synop_j = { value = -1e-12, provenance = "guess", source = "x" }
"""


def test_user_file_error_lists_every_problem_with_file_and_key(tmp_path):
    path = tmp_path / "chip.toml"
    path.write_text(BROKEN_TOML)
    with pytest.raises(TargetError) as info:
        load_target(path)
    err = info.value
    assert isinstance(err, SnnCompileError)
    assert sorted(v.path for v in err.violations) == [
        "energy.synop_j.provenance", "energy.synop_j.value", "limits.cores.value", "name",
        "timing.execution",
    ]
    message = str(err)
    assert str(path) in message and "5 problems" in message
    for v in err.violations:
        assert v.path in message


def test_toml_syntax_error_is_a_target_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("name = \n")
    with pytest.raises(TargetError) as info:
        read_document(path)
    assert str(path) in str(info.value) and "valid TOML" in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(TargetError, match="readable file"):
        load_target(tmp_path / "nope.toml")
    with pytest.raises(TargetError, match="loihi2"):
        load_target("loihi3")


def _figure_paths(doc):
    """(section, key) of every figure table in a decoded document."""
    for section in ("timing", "limits", "energy", "cycles", "fixed_point"):
        for key, raw in doc.get(section, {}).items():
            if isinstance(raw, dict):
                yield (section, key)


@pytest.mark.parametrize("name", ["loihi", "speck", "xylo-audio2", "paper-45nm", "esp32-s3"])
def test_each_figure_field_is_checked_in_every_builtin(name):
    from snncompile.targets import builtin_dir

    doc = read_document(builtin_dir() / f"{name}.toml")
    for section, key in _figure_paths(doc):
        for field, bad in (("source", None), ("provenance", "bogus"), ("value", None)):
            broken = copy.deepcopy(doc)
            if bad is None:
                del broken[section][key][field]
            else:
                broken[section][key][field] = bad
            assert _paths(broken) == [f"{section}.{key}.{field}"], (section, key, field)

"""Loading by name or path, immutability, and the typed accessors."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from snncompile.targets import TargetError, builtin_dir, load_target
from snncompile.targets.loader import BUILTIN_DIRS


def test_builtins_come_from_the_repository_targets_folder_in_a_checkout():
    assert builtin_dir() == BUILTIN_DIRS[1]
    assert builtin_dir().name == "targets"
    assert (builtin_dir().parent / "pyproject.toml").is_file()


def test_load_by_path_equals_load_by_name(tmp_path):
    copy = tmp_path / "my-loihi.toml"
    shutil.copy(builtin_dir() / "loihi.toml", copy)
    by_path = load_target(copy)
    by_str = load_target(str(copy))
    by_name = load_target("loihi")
    assert by_path.path == copy
    assert dataclasses.replace(by_path, path=None) == dataclasses.replace(by_name, path=None)
    assert by_str == by_path


def test_user_file_name_may_differ_from_its_file_name(tmp_path):
    path = tmp_path / "chip.toml"
    path.write_text((builtin_dir() / "cortex-m4.toml").read_text())
    assert load_target(path).name == "cortex-m4"


def test_builtin_name_must_match_file_name(tmp_path, monkeypatch):
    folder = tmp_path / "builtin"
    folder.mkdir()
    text = (builtin_dir() / "speck.toml").read_text().replace('name = "speck"', 'name = "x"')
    (folder / "speck.toml").write_text(text)
    monkeypatch.setattr("snncompile.targets.loader.BUILTIN_DIRS", (folder,))
    with pytest.raises(TargetError) as info:
        load_target("speck")
    assert [v.path for v in info.value.violations] == ["name"]


def test_missing_builtin_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("snncompile.targets.loader.BUILTIN_DIRS", (tmp_path / "none",))
    with pytest.raises(TargetError, match="no built-in targets found"):
        load_target("loihi")


def test_target_is_frozen():
    target = load_target("loihi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        target.energy["synop_j"] = target.energy["spike_local_j"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.energy["synop_j"].value = 0  # type: ignore[misc]


def test_accessors():
    loihi = load_target("loihi")
    assert loihi.limit("cores").value == 128
    assert loihi.number("limits", "cores") == 128.0
    assert loihi.figure("energy", "static_power_w") is None
    assert loihi.gap("energy", "static_power_w")
    with pytest.raises(KeyError):
        loihi.section("colours")
    with pytest.raises(TypeError):
        loihi.number("fixed_point", "rounding")
    assert loihi.features.comparators == (">",)
    assert loihi.features.reset_modes == ("zero",)
    assert load_target("truenorth").features.reset_modes is None
    pilot = load_target("loihi2").benchmarks["pilotnet_lif"]
    assert pilot.figures["energy_per_inference_j"].value == pytest.approx(1.66e-3)
    assert pilot.figures["energy_per_inference_j"].provenance == "measured"

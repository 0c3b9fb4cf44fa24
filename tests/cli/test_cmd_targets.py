import json


def test_targets_lists_every_builtin(run_cli):
    code, out, _ = run_cli("targets")
    assert code == 0
    for name in ("loihi", "loihi2", "speck", "xylo-audio2", "paper-45nm", "esp32-s3"):
        assert f"\n{name} " in out
    code, out, _ = run_cli("targets", "--json")
    assert len(json.loads(out)["targets"]) == 11


def test_target_table_shows_value_provenance_and_source(run_cli):
    code, out, _ = run_cli("targets", "loihi")
    assert code == 0
    line = next(line for line in out.splitlines() if "synop_j" in line)
    assert "23.6 pJ" in line and "simulated" in line and "Davies" in line
    code, out, _ = run_cli("targets", "loihi", "--json")
    rows = json.loads(out)["figure_rows"]
    synop = next(r for r in rows if r["key"] == "synop_j")
    assert synop["value"] == 23.6e-12 and synop["unit"] == "J"


def test_schema_lists_units(run_cli):
    code, out, _ = run_cli("targets", "--schema", "--json")
    keys = {(r["section"], r["key"]): r["unit"] for r in json.loads(out)["keys"]}
    assert keys[("energy", "synop_j")] == "J"
    assert keys[("timing", "clock_hz")] == "Hz"


def test_broken_target_file_is_one_line_listing_every_problem(run_cli, tmp_path):
    path = tmp_path / "chip.toml"
    path.write_text('schema_version = 1\nname = "c"\nkind = "mcu"\ndescription = "x"\n'
                    '[energy]\nsynop_j = { value = -1, provenance = "guess", source = "x" }\n')
    code, out, err = run_cli("targets", path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err
    for key in ("energy.synop_j.value", "energy.synop_j.provenance", "timing", "cycles"):
        assert key in err


def test_unknown_target_name(run_cli):
    code, _, err = run_cli("targets", "loihi3")
    assert code == 2 and "unknown target 'loihi3'" in err and "loihi2" in err

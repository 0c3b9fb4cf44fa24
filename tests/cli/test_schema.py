"""issue 16: every command's ``--json`` output, success and error, follows the one
versioned schema (snncompile/cli/schema.json, docs/json.md)."""

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from snncompile.cli.main import COMMANDS
from snncompile.cli.schema import SCHEMA_VERSION, json_schema

FACTORY = Path(__file__).parents[2] / "examples" / "digits_ann.py"


@pytest.fixture(scope="module")
def validator():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture
def run_json(capsys):
    """Run the CLI in-process with --json; a bad command line exits through SystemExit."""
    from snncompile.cli.main import main

    def run(*argv: str):
        try:
            code = main([*map(str, argv), "--json"])
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def files(tmp_path, ir_model, input_file, run_cli):
    """The files the cases read: a model, its input, a compiled artifact, a ReLU factory's data."""
    artifact = tmp_path / "m.snnc"
    code, _, err = run_cli("compile", ir_model, "--calibrate", input_file, "-o", artifact)
    assert code == 0, err
    from snncompile.zoo.digits_ann import sequence

    x, y = sequence("train", 2)
    np.savez(tmp_path / "digits.npz", input=x[:40], labels=y[:40])
    return {"model": str(ir_model), "input": str(input_file), "artifact": str(artifact), "tmp": tmp_path,
            "digits": str(tmp_path / "digits.npz")}


def cases(f) -> dict[str, list[tuple[list[str], int]]]:
    """command -> [(arguments, expected exit code)]: successes and at least one error each."""
    t, m, x, a = f["tmp"], f["model"], f["input"], f["artifact"]
    return {
        "inspect": [([m], 0), ([a], 0), ([str(t / "missing.nir")], 2)],
        "export": [([m, "--to", "snnir", "-o", str(t / "e.snnir")], 0),
                   ([m, "--to", "onnx", "-o", str(t / "e.onnx"), "--for", "snntorch"], 2)],
        "simulate": [([m, "--input", x, "--no-progress"], 0),
                     ([m, "--input", x, "--no-progress", "--readout", "first-spike"], 0),
                     ([a, "--input", x, "--record", "all", "-o", str(t / "s.npz"), "--no-progress"], 0),
                     ([m, "--input", x, "--steps", "12", "--no-progress"], 0),  # a warning
                     ([m, "--input", str(t / "none.npz")], 2), ([m], 2)],
        "compile": [([m, "--calibrate", x, "-o", str(t / "c.snnc"), "--target", "loihi"], 0),
                    ([m, "--target", "cortex-m4", "--calibrate", x, "-o", str(t / "mcu")], 0),
                    ([m, "--target", "nochip"], 2)],
        "convert": [([f"{FACTORY}:mlp", "--calibrate", f["digits"], "-o", str(t / "v.snnir"), "--data", f["digits"],
                      "--steps", "4"], 0),
                    ([f"{FACTORY}:mlp", "--calibrate", str(t / "absent.npz"), "-o", str(t / "v.snnir")], 2)],
        "compare": [([a, "--input", x, "--no-progress"], 0),
                    ([a, "--input", x, "--no-progress", "--mismatches", str(t / "mm.csv"), "--explain"], 0),
                    ([a, "--input", x, "--backends", "emulator"], 2)],
        "estimate": [([m, "--target", "loihi2,speck", "--input", x, "--no-progress"], 0),
                     ([m, "--target", "loihi2", "--no-progress"], 0),
                     ([m, "--target", "nochip"], 2)],
        "evaluate": [([a, "--data", x, "--no-progress", "--predictions", str(t / "p.npz")], 0),
                     ([m, "--data", x, "--no-progress", "--target", "none"], 0),
                     ([m, "--data", x, "--no-progress", "--target", "none", "--readout", "first-spike"], 0),
                     ([m, "--data", x, "--readout", "votes"], 2),
                     ([m, "--data", str(t / "absent.npz")], 2)],
        "sweep": [([m, "--data", x, "--target", "loihi", "--weight-bits", "8", "-o", str(t / "sweep"),
                    "--no-progress"], 0),
                  ([m, "--data", x, "--target", "loihi", "--weight-bits", "x", "-o", str(t / "sw")], 2)],
        "map": [([m, "--target", "loihi2"], 0), ([m, "--target", "loihi2", "--weight-bits", "99"], 2),
                ([m, "--target", "nochip"], 2)],
        "report": [([m, "--target", "loihi2", "--input", x, "-o", str(t / "r.html"), "--no-progress"], 0),
                   ([m, "--target", "nochip", "-o", str(t / "r2.html")], 2)],
        "targets": [([], 0), (["loihi2"], 0), (["--schema"], 0), (["nochip"], 2)],
        "zoo": [([], 0), (["--write", str(t / "z.md")], 2)],
    }


def test_every_command_has_schema_cases(files):
    """A new command fails here until it has a schema definition and cases here."""
    assert sorted(cases(files)) == sorted(COMMANDS)
    schema = json_schema()
    assert all(f"command_{name}" in schema["$defs"] for name in COMMANDS)
    assert set(schema["properties"]["command"]["enum"]) == {None, *COMMANDS}


def leaf_errors(validator, instance) -> list[str]:
    """The innermost reasons (inside anyOf) with their paths: what to fix."""
    def leaves(error):
        if not error.context:
            return [f"{list(error.absolute_path)}: {error.message[:160]}"]
        return [line for e in error.context for line in leaves(e)]

    return [line for e in validator.iter_errors(instance) for line in leaves(e)
            if "is not of type 'string', 'number', 'boolean', 'null'" not in line]


@pytest.mark.parametrize("command", COMMANDS)
def test_json_output_follows_the_schema(command, files, run_json, validator):
    for argv, expected in cases(files)[command]:
        code, out, err = run_json(command, *argv)
        assert code == expected, (argv, err)
        result = json.loads(out)  # one object on stdout, errors included
        assert not list(validator.iter_errors(result)), (argv, leaf_errors(validator, result))
        assert result["schema"] == SCHEMA_VERSION and result["command"] == command
        assert result["exit_code"] == code
        if "error" in result:
            assert err.strip().endswith(result["error"]["message"])  # the one line on stderr, the same words
        else:
            assert [f"warning: {w}" for w in result["warnings"]] == [
                line for line in err.splitlines() if line.startswith("warning: ")]


def test_an_error_that_says_what_to_do_carries_it_as_hint(run_json, ir_model, tmp_path):
    """compile refuses a network the target cannot hold, and says how to get past it."""
    from snncompile.targets import builtin_dir

    tiny = tmp_path / "tiny.toml"
    tiny.write_text((builtin_dir() / "loihi2.toml").read_text().replace("neurons_total = { value = 1000000,",
                                                                        "neurons_total = { value = 1,"))
    code, out, err = run_json("compile", ir_model, "--target", tiny, "--input-shape", "3", "-o", tmp_path / "m.snnc")
    error = json.loads(out)["error"]
    assert code == 2 and error["kind"] == "input" and "--no-fit-check" in error["hint"]
    assert error["hint"] in error["message"] and error["message"] in err


def test_hint_is_the_closing_advice_only():
    from snncompile.cli.schema import hint_of

    assert hint_of("loihi2: energy unknown (pass --borrow loihi2=loihi)") == "pass --borrow loihi2=loihi"
    assert hint_of("m.pt: a pickled module; save its state_dict instead.") == "save its state_dict instead"
    assert hint_of("x.nir: no such file") is None
    assert hint_of("the (set of) nodes is empty") is None  # advice ends a message, it does not sit inside one


def test_bad_command_lines_are_json_errors_too(run_json, validator):
    code, out, err = run_json("map")  # MODEL and --target missing
    result = json.loads(out)
    assert code == 2 and result["error"]["kind"] == "usage" and "required" in result["error"]["message"]
    assert not list(validator.iter_errors(result))
    assert "usage:" in err  # argparse's usage stays on stderr


def test_the_schema_rejects_the_retired_names(validator):
    """The names issue 16 replaced must not come back at any depth."""
    base = {"schema": SCHEMA_VERSION, "command": "map", "exit_code": 0, "warnings": [], "model": "m",
            "target": "loihi2", "fits": True, "cores_used": 1, "cores": [], "layers": [], "violations": []}
    assert not list(validator.iter_errors(base))
    for bad in ({"target": {"name": "loihi2"}}, {"cores": [{"complete": True}]}, {"layers": [{"artifact": "x"}]},
                {"nodes": 3}, {"accuracy": {"reference": 0.5}}, {"layers": [{"latency_s": "1 ms"}]},
                {"layers": [{"energy_is_lower_bound": "yes"}]}, {"layers": [{"w_rel_err": 0.1}]}):
        assert list(validator.iter_errors({**base, **bad})), bad

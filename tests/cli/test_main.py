"""Start-up: what each kind of command line imports (the time it takes is measured in
benchmarks/cli_startup.py; here, which heavy packages are loaded at all)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from snncompile.cli.main import COMMANDS

PROBE = """
import json, sys
from snncompile.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ["numpy", "torch", "matplotlib", "numba", "nir", "onnx", "h5py", "scipy"]
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def probe(*argv) -> dict:
    """Run the CLI in a fresh interpreter; return its exit code and the heavy packages it
    imported (the JSON line is the last line of stdout)."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *map(str, argv)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_version_and_help_import_nothing_heavy(argv):
    result = probe(*argv)
    assert result["loaded"] == []
    assert result["code"] in (0, 2)


def test_every_command_module_imports_nothing_heavy():
    code = ("import sys; from snncompile.cli.main import load_commands; load_commands(); "
            "print([m for m in ('numpy', 'torch', 'matplotlib', 'numba') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_does_not_import_torch_or_matplotlib(command):
    result = probe(command, "--help")
    assert result["code"] == 0
    assert "torch" not in result["loaded"] and "matplotlib" not in result["loaded"]


def test_help_lists_every_command(capsys):
    from snncompile.cli.main import main

    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert all(name in text for name in COMMANDS)


def test_compiled_model_on_the_emulator_runs_without_torch(run_cli, ir_model, input_file, tmp_path):
    artifact = tmp_path / "m.snnc"
    assert run_cli("compile", ir_model, "-o", artifact, "--calibrate", input_file)[0] == 0
    out = tmp_path / "out.npz"
    result = probe("simulate", artifact, "--input", input_file, "-o", out, "--no-progress")
    assert result["code"] == 0
    assert "numba" in result["loaded"]  # the emulator ran ...
    assert {"torch", "matplotlib", "nir", "h5py"}.isdisjoint(result["loaded"])  # ... without torch or NIR
    with np.load(out) as data:
        assert data["output"].dtype == bool


def test_errors_of_evaluate_and_sweep_name_their_data_file_not_the_model_twice():
    """issue 13: an error names the file it is about; evaluate's --data and --labels are
    files the command was given, and a problem with an input names the data set."""
    import argparse

    from snncompile.cli.main import named

    args = argparse.Namespace(model="m.nir", data="d.npy", labels="y.npy")
    assert named("input 'x' contains NaN or inf", args) == "d.npy: input 'x' contains NaN or inf"
    assert named("y.npy: label -1 of sample 0 is not a class", args) == "y.npy: label -1 of sample 0 is not a class"
    assert named("d.npy: the data set has no samples", args) == "d.npy: the data set has no samples"
    assert named("the graph has two outputs", args) == "m.nir: the graph has two outputs"

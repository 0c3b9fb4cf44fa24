"""Issue 16, parts 2 and 3 through the CLI: a warning line where a default changes what
runs (NIR semantics, padded or cut steps, outputs shifted by the chip's latency), and
errors and refusals that say what to do."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from snncompile.cli.main import build_parser, load_commands

NIR_LIF = Path(__file__).parents[1] / "data/nir_paper/01_lif/lif_norse.nir"
TARGETS = Path(__file__).parents[2] / "targets"


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning: ")]


# -- part 2: warnings ------------------------------------------------------------------------
def test_nir_defaults_are_one_warning_each_and_silenced_by_stating_them(run_cli):
    code, out, err = run_cli("inspect", NIR_LIF, "--json")
    assert code == 0
    json.loads(out)  # stdout stays JSON: the warnings go to stderr
    lines = warnings_of(err)
    for flag, value in (("--dt", "dt=0.0001 s"), ("--reset", "reset='zero'"),
                        ("--reset-timing", "reset_timing='immediate'"), ("--comparator", "comparator='>'")):
        assert len([m for m in lines if f"{value} (state it with {flag}," in m]) == 1, lines
    code, out, err = run_cli("inspect", NIR_LIF, "--dt", "1e-3", "--reset", "subtract")
    assert code == 0
    lines = warnings_of(err)
    assert not [m for m in lines if "its dt;" in m or "its reset;" in m], lines
    assert len([m for m in lines if "does not say" in m]) == 2  # reset timing and comparator still assumed
    code, _, err = run_cli("inspect", NIR_LIF, "--dt", "1e-3", "--reset", "subtract", "--reset-timing", "immediate",
                           "--comparator", ">")
    assert code == 0 and not [m for m in warnings_of(err) if "does not say" in m]


def test_steps_that_pad_or_cut_the_input_warn(run_cli, ir_model, input_file):
    code, _, err = run_cli("simulate", ir_model, "--input", input_file, "--steps", "25")
    assert code == 0
    (line,) = [m for m in warnings_of(err) if "--steps" in m]
    assert str(input_file) in line and "--steps 25 on an input of 10 steps" in line and "padding" in line
    code, out, err = run_cli("simulate", ir_model, "--input", input_file, "--steps", "4", "--json")
    assert code == 0 and json.loads(out)["steps"] == 4
    (line,) = [m for m in warnings_of(err) if "--steps" in m]
    assert "runs only the first 4 (the last 6 are cut)" in line
    for same in (["--steps", "10"], []):
        code, _, err = run_cli("simulate", ir_model, "--input", input_file, *same)
        assert code == 0 and not [m for m in warnings_of(err) if "--steps" in m]
    code, _, err = run_cli("estimate", ir_model, "--input", input_file, "--steps", "12", "--target", "loihi",
                           "--no-progress")
    assert code == 0 and len([m for m in warnings_of(err) if "--steps 12 on an input of 10" in m]) == 1


def test_simulating_a_compiled_artifact_says_outputs_trail_by_the_lag(run_cli, ir_model, input_file, tmp_path):
    """Without the flush (--no-flush) a compiled artifact's outputs trail the float
    timeline, and simulate says so; flushed (the default) they are on it: no warning."""
    art = tmp_path / "m.snnc"
    assert run_cli("compile", ir_model, "-o", art)[0] == 0
    code, out, err = run_cli("simulate", art, "--input", input_file, "--json")
    assert code == 0 and json.loads(out)["output_lags"] == {} and json.loads(out)["flushed"] == 1
    assert not [m for m in warnings_of(err) if "latency" in m]
    code, out, err = run_cli("simulate", art, "--input", input_file, "--json", "--no-flush")
    assert code == 0
    result = json.loads(out)
    assert result["output_lags"] == {"y": 1}
    (line,) = [m for m in warnings_of(err) if "latency" in m]
    assert "'y' by 1 step)" in line and "compare" in line
    code, out, err = run_cli("simulate", art, "--input", input_file, "--backend", "reference", "--json")
    assert code == 0 and json.loads(out)["output_lags"] == {}
    assert not [m for m in warnings_of(err) if "latency" in m]  # the float graph has no lag


# -- part 3: errors that say what to do ------------------------------------------------------
def test_no_parser_accepts_abbreviations(run_cli, ir_model):
    parser = build_parser(load_commands(), only=True)
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)][0].choices
    assert parser.allow_abbrev is False and all(p.allow_abbrev is False for p in subs.values())
    with pytest.raises(SystemExit) as exc:  # '--input' must not mean '--input-shape'
        run_cli("inspect", ir_model, "--input", "3")
    assert exc.value.code == 2


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "snncompile", "targets"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written (as `| head` after its lines)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.fixture
def factory(tmp_path):
    path = tmp_path / "net.py"
    path.write_text("from torch import nn\n\ndef net():\n    return nn.Sequential(nn.Linear(3, 2))\n")
    return path


def test_a_pickled_module_as_weights_is_one_plain_line(run_cli, factory, tmp_path):
    whole = tmp_path / "whole.pt"
    torch.save(nn.Sequential(nn.Linear(3, 2)), whole)
    code, _, err = run_cli("inspect", f"{factory}:net", "--weights", whole, "--input-shape", "3")
    assert code == 2 and err.count("\n") == 1
    assert "\x1b" not in err and "weights_only" not in err and "Traceback" not in err
    assert "is a pickled module (class torch.nn.modules.container.Sequential)" in err
    assert "torch.save(model.state_dict(), path)" in err
    state = tmp_path / "state.pt"
    torch.save(nn.Sequential(nn.Linear(3, 2)).state_dict(), state)
    assert run_cli("inspect", f"{factory}:net", "--weights", state, "--input-shape", "3")[0] == 0


def test_inspect_of_a_pytorch_file_says_what_it_is_and_what_to_do(run_cli, tmp_path):
    whole, state = tmp_path / "model.pt", tmp_path / "weights.pth"
    torch.save(nn.Sequential(nn.Linear(3, 2)), whole)
    torch.save(nn.Sequential(nn.Linear(3, 2)).state_dict(), state)
    code, _, err = run_cli("inspect", whole)
    assert code == 2 and err.count("\n") == 1
    assert "a whole PyTorch module pickled with torch.save(model) (class torch.nn.modules.container.Sequential)" in err
    assert "file.py:factory with --weights" in err and "unknown model kind" not in err
    code, _, err = run_cli("inspect", state)
    assert code == 2 and "a PyTorch file (torch.save), e.g. a state_dict" in err and "file.py:factory" in err


def test_a_wrong_input_shape_names_the_model_file(run_cli, factory, tmp_path):
    data = tmp_path / "x5.npz"
    np.savez(data, input=np.zeros((2, 4, 5), np.float32))
    for shape in (["--input-shape", "3"], []):
        code, _, err = run_cli("simulate", f"{factory}:net", "--input", data, *shape)
        assert code == 2 and err.count("\n") == 1
        assert f"{factory}:net" in err and "x5.npz" in err, err


def test_estimate_points_unknown_energy_to_borrow_and_lists_why_it_does_not_fit(run_cli, ir_model):
    code, out, err = run_cli("estimate", ir_model, "--target", "loihi2,loihi,speck", "--no-progress")
    assert code == 0, err
    (note,) = [line for line in out.splitlines() if line.startswith("energy unknown on loihi2")]
    assert "--borrow loihi2=DONOR (known here for: loihi" in note
    assert "no (1)" in out
    why = out.split("Why it does not fit")[1].split("\n\n")[0]
    assert "speck" in why and "neuron model" in why and "IF neurons only" in why
    code, out, _ = run_cli("estimate", ir_model, "--target", "loihi2", "--borrow", "loihi2=loihi", "--no-progress")
    assert code == 0 and "energy unknown" not in out and "Why it does not fit" not in out


@pytest.fixture
def tiny_target(tmp_path):
    """loihi2 with a one-neuron chip: the two-neuron test network does not fit."""
    text = (TARGETS / "loihi2.toml").read_text()
    text = text.replace("neurons_total = { value = 1000000,", "neurons_total = { value = 1,")
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    return path


def test_compile_refuses_what_map_says_does_not_fit(run_cli, ir_model, tiny_target, tmp_path):
    out = tmp_path / "m.snnc"
    code, text, _ = run_cli("map", ir_model, "--target", tiny_target, "--json")
    assert code == 2
    (violation,) = json.loads(text)["violations"]
    code, _, err = run_cli("compile", ir_model, "--target", tiny_target, "-o", out)
    assert code == 2 and err.count("\n") == 1 and not out.exists()
    assert "does not fit loihi2: 1 violation" in err and violation["rule"] in err and violation["hint"] in err
    assert "--no-fit-check" in err
    code, _, err = run_cli("compile", ir_model, "--target", tiny_target, "-o", out, "--no-fit-check")
    assert code == 0 and out.exists(), err


def test_lava_refusing_a_subtract_reset_says_how_to_get_a_zero_reset(run_cli, input_file, tmp_path):
    pytest.importorskip("lava.magma")
    from snncompile.ir import LIF, Graph, Input, Linear, Output, Reset, save_graph

    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), 0.6)))
    g.add("lif", LIF(shape=(2,), decay=0.9, reset=Reset.SUBTRACT))  # snnTorch Leaky's default
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    model, art = tmp_path / "sub.snnir", tmp_path / "sub.snnc"
    save_graph(g, model)
    assert run_cli("compile", model, "-o", art)[0] == 0
    code, out, err = run_cli("compare", art, "--input", input_file, "--backends", "reference,emulator,lava",
                             "--no-progress")
    assert code == 0, err
    (skipped,) = [line for line in out.splitlines() if line.startswith("skipped lava")]
    assert "reset 'subtract' (Lava's LIF only resets to zero; to run on Lava" in skipped
    assert "reset_mechanism='zero'" in skipped and "--reset zero" in skipped

"""The bad inputs issue 2 names, each through the CLI: one line on stderr, exit code 2."""

from pathlib import Path

import numpy as np
import pytest
import torch

NIR = Path(__file__).resolve().parents[1] / "data" / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir"

FACTORY = '''
import torch
from torch import nn
import snncompile.nn as snn

def good():
    return nn.Sequential(nn.Linear(3, 2), snn.LIF(decay=0.9))

def softsign():
    return nn.Sequential(nn.Linear(3, 2), nn.Softsign(), snn.LIF(decay=0.9))
'''


@pytest.fixture
def factory_file(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(FACTORY)
    return path


def one_line_exit_2(run_cli, *argv) -> str:
    code, out, err = run_cli(*argv)
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_truncated_nir(run_cli, tmp_path, input_file):
    truncated = tmp_path / "truncated.nir"
    truncated.write_bytes(NIR.read_bytes()[:2000])
    err = one_line_exit_2(run_cli, "simulate", truncated, "--input", input_file)
    assert "truncated.nir" in err


def test_corrupt_nir(run_cli, tmp_path):
    corrupt = tmp_path / "corrupt.nir"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 8)
    err = one_line_exit_2(run_cli, "inspect", corrupt)
    assert "corrupt.nir" in err


def test_unknown_module_names_its_path_and_class(run_cli, factory_file):
    err = one_line_exit_2(run_cli, "inspect", f"{factory_file}:softsign", "--input-shape", "3")
    assert "module '1' (Softsign) is not supported; supported layers:" in err and "torch.nn.Linear" in err


def test_nan_weights_from_a_state_dict(run_cli, factory_file, tmp_path, input_file):
    from snncompile.frontends.torch import load_factory

    state = load_factory(f"{factory_file}:good", None, (3,)).state_dict()
    state["0.weight"] = torch.full_like(state["0.weight"], float("nan"))
    weights = tmp_path / "nan.pt"
    torch.save(state, weights)
    err = one_line_exit_2(run_cli, "simulate", f"{factory_file}:good", "--weights", weights, "--input", input_file)
    assert "nan.pt" in err and "'0.weight'" in err and "non-finite" in err


def test_wrong_input_shape_for_a_nir_graph(run_cli, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, input=np.zeros((2, 10, 13)))
    err = one_line_exit_2(run_cli, "simulate", NIR, "--input", bad)
    assert "(batch, time, 12)" in err and "(2, 10, 13)" in err


def test_missing_weights_file(run_cli, factory_file, tmp_path, input_file):
    err = one_line_exit_2(run_cli, "simulate", f"{factory_file}:good", "--weights", tmp_path / "none.pt",
                          "--input", input_file)
    assert "none.pt" in err

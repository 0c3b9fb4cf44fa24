"""The CLI over NIR files: inspect, simulate, export (the lead's CLI, our reader/writer)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from snncompile.cli.main import main
from snncompile.interop.nir import read_nir
from snncompile.simulate import accuracy, simulate

DATA = Path(__file__).resolve().parents[2] / "data"
BRAILLE = DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_nir_with_reset(capsys, tmp_path):
    data = np.load(DATA / "braille" / "braille7_fold0.npz")
    x, labels = data["spikes"][:24].astype(np.float32), data["labels"][:24]
    inputs = tmp_path / "in.npz"
    np.savez(inputs, input=x, labels=labels)
    code, out, err = run(capsys, "simulate", BRAILLE, "--reset", "subtract", "--input", inputs, "--json",
                         "--no-progress", "-o", tmp_path / "out.npz")
    assert code == 0, err
    expected = accuracy(simulate(read_nir(BRAILLE, reset="subtract"), x.astype(np.float64)).output(), labels)
    assert json.loads(out)["accuracy"] == expected


def test_export_to_nir_and_back(capsys, tmp_path):
    target = tmp_path / "again.nir"
    code, _, err = run(capsys, "export", BRAILLE, "--to", "nir", "-o", target)
    assert code == 0, err
    assert read_nir(target).equals(read_nir(BRAILLE), rtol=1e-9, atol=1e-12)


def test_unreadable_nir_is_one_line_exit_2(capsys):
    bad = DATA / "nir_paper" / "03_rnn" / "unreadable" / "braille_noDelay_bias_zero_subgraph.nir"
    code, out, err = run(capsys, "inspect", bad)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "node 'lif', which does not exist" in err


def test_relaxed_read_warns_on_the_cli(capsys):
    code, _, err = run(capsys, "inspect", DATA / "nir_paper" / "01_lif" / "lif_rockpool.nir")
    assert code == 0
    assert "warning:" in err and "type_check=False" in err

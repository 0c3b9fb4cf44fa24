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


NIR_FLAGS = ["--dt", "--reset", "--reset-timing", "--comparator", "--discretization", "--from"]


def test_every_command_that_reads_a_model_has_every_nir_flag_with_its_default():
    from snncompile.cli.main import build_parser, load_commands

    commands = load_commands()
    parser = build_parser(commands)
    sub = next(a for a in parser._actions if a.dest == "command")
    readers = [name for name, p in sub.choices.items() if any(a.dest == "model" for a in p._actions)]
    assert {"inspect", "export", "simulate", "compile", "estimate", "map", "report"} <= set(readers)
    for name in readers:
        text = sub.choices[name].format_help()
        for flag in NIR_FLAGS:
            assert flag in text, (name, flag)
        for default in ("(default 0.0001)", "(default zero)", "(default immediate)", "(default '>')",
                        "(default euler)", "default: plain NIR"):
            assert default in " ".join(text.split()), (name, default)


def _spikingjelly_file(path: Path) -> Path:
    """SpikingJelly's own exporter: Linear -> LIFNode -> Linear -> IFNode (r = 1/dt)."""
    import torch
    from spikingjelly.activation_based import layer, neuron
    from spikingjelly.activation_based.nir_exchange.to_nir import export_to_nir

    torch.manual_seed(0)
    net = torch.nn.Sequential(layer.Linear(6, 8), neuron.LIFNode(tau=2.0), layer.Linear(8, 4), neuron.IFNode())
    export_to_nir(net, torch.zeros(1, 6), save_path=path)
    return path


def test_cli_from_dialect_matches_the_api_and_prints_its_corrections(capsys, tmp_path):
    model = _spikingjelly_file(tmp_path / "sj.nir")
    x = np.random.default_rng(0).uniform(0, 4, size=(2, 100, 6))
    inputs = tmp_path / "in.npz"
    np.savez(inputs, input=x)
    code, out, err = run(capsys, "simulate", model, "--from", "spikingjelly", "--input", inputs, "--json",
                         "--no-progress", "-o", tmp_path / "out.npz")
    assert code == 0, err
    assert "warning: " in err and "--from spikingjelly: IF is written with r = 1 / dt" in err
    expected = simulate(read_nir(model, dialect="spikingjelly"), x).output()
    assert np.array_equal(np.load(tmp_path / "out.npz")["output"], expected) and expected.sum() > 0
    code, _, err = run(capsys, "simulate", model, "--from", "spikingjelly", "--comparator", ">", "--input", inputs,
                       "--json", "--no-progress", "-o", tmp_path / "gt.npz")
    assert code == 0, err
    flag = simulate(read_nir(model, dialect="spikingjelly", comparator=">"), x).output()
    assert np.array_equal(np.load(tmp_path / "gt.npz")["output"], flag)


def test_nir_only_flags_are_refused_for_other_models(capsys, tmp_path):
    ir_file = tmp_path / "m.snnir"
    from snncompile.ir import save_graph

    save_graph(read_nir(BRAILLE), ir_file)
    code, out, err = run(capsys, "inspect", ir_file, "--comparator", ">=")
    assert code == 2 and "--comparator only apply to NIR models" in err


def test_export_for_an_importer_warns_what_it_drops(capsys, tmp_path):
    """The paper's subtract/delayed Braille graph written for snnTorch's importer (which
    runs zero reset, immediate): the CLI names the dropped fields, one line each."""
    target = tmp_path / "for_snntorch.nir"
    code, _, err = run(capsys, "export", BRAILLE, "--reset", "subtract", "--reset-timing", "delayed", "--to", "nir",
                       "--for", "snntorch", "-o", target)
    assert code == 0, err
    assert "warning: node 'lif2' (CubaLIF): snntorch's importer drops reset: it runs reset=zero" in err
    assert "warning: node 'lif2' (CubaLIF): snntorch's importer drops reset_timing" in err
    code, _, err = run(capsys, "export", BRAILLE, "--to", "onnx", "--for", "snntorch", "-o", tmp_path / "x.onnx")
    assert code == 2 and "--for snntorch applies to --to nir only" in err

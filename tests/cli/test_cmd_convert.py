"""``snncompile convert``: a trained ReLU network from a factory file to an IR file."""

import json
from pathlib import Path

import numpy as np

from snncompile.ir import load_graph
from snncompile.zoo.digits_ann import sequence

FACTORY = Path(__file__).parents[2] / "examples" / "digits_ann.py"


def test_convert_writes_the_graph_and_reports_accuracy_against_t(run_cli, tmp_path):
    x, y = sequence("train", 2)
    xt, yt = sequence("test", 2)
    np.savez(tmp_path / "train.npz", input=x[:200], labels=y[:200])
    np.savez(tmp_path / "test.npz", input=xt[:100], labels=yt[:100])
    out = tmp_path / "mlp.snnir"
    code, text, err = run_cli("convert", f"{FACTORY}:mlp", "--calibrate", tmp_path / "train.npz", "-o", out,
                              "--normalize", "max", "--data", tmp_path / "test.npz", "--steps", "4,64", "--json")
    assert code == 0, err
    result = json.loads(text)
    assert list(result["scales"]) == ["relu1", "relu2", "output"] and result["options"]["normalize"] == "max"
    accuracy = {r["steps"]: r["accuracy"] for r in result["accuracy_by_steps"]}
    assert accuracy[4] < accuracy[64]
    assert abs(accuracy[64] - result["ann_accuracy"]) <= 0.02
    graph = load_graph(out)
    assert sum(node.kind == "IF" for node in graph.nodes.values()) == 3
    code, text, err = run_cli("convert", f"{FACTORY}:cnn", "--calibrate", tmp_path / "train.npz", "-o", out)
    assert code == 0, err
    assert "scales" in text and "relu1" in text and "accuracy against" not in text


def test_bad_convert_arguments_are_one_line(run_cli, tmp_path):
    np.savez(tmp_path / "flat.npz", input=np.zeros((3, 64)))
    code, _, err = run_cli("convert", f"{FACTORY}:mlp", "--calibrate", tmp_path / "flat.npz", "-o", tmp_path / "a")
    assert code == 2 and "(batch, time, *shape)" in err and len(err.strip().splitlines()) == 1
    np.savez(tmp_path / "ok.npz", input=sequence("train", 1)[0][:50])
    code, _, err = run_cli("convert", f"{FACTORY}:mlp", "--calibrate", tmp_path / "ok.npz", "-o", tmp_path / "a",
                           "--data", tmp_path / "ok.npz")
    assert code == 2 and "needs a 'labels' array" in err

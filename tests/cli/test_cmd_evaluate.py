import builtins
import json

import numpy as np

from snncompile.compile import build_artifact, save_artifact
from snncompile.ir import load_graph


def test_text_and_json_agree(run_cli, ir_model, input_file, tmp_path):
    code, out, _ = run_cli("evaluate", ir_model, "--data", input_file, "--target", "cortex-m4", "--no-progress")
    assert code == 0
    assert "accuracy: 0.5000 (2/4)" in out and "Confusion (rows: label, columns: predicted)" in out
    code, out, _ = run_cli("evaluate", ir_model, "--data", input_file, "--target", "cortex-m4", "--json",
                           "--predictions", tmp_path / "p.npz", "--no-progress")
    result = json.loads(out)
    assert code == 0 and result["accuracy"] == 0.5 and result["confusion"] == [[2, 0], [2, 0]]
    assert [e["target"] for e in result["estimates"]] == ["cortex-m4"]
    assert result["estimates"][0]["energy_set_j"] == result["estimates"][0]["energy_j"] * 4
    with np.load(tmp_path / "p.npz") as p:
        assert p["index"].tolist() == [0, 1, 2, 3] and p["predicted"].tolist() == [0, 0, 0, 0]


def test_an_artifact_is_estimated_on_its_own_target(run_cli, ir_model, input_file, tmp_path):
    artifact = tmp_path / "m.snnc"
    save_artifact(build_artifact(load_graph(ir_model), "loihi"), artifact)
    code, out, _ = run_cli("evaluate", artifact, "--data", input_file, "--json", "--no-progress")
    result = json.loads(out)
    assert code == 0 and result["backend"] == "emulator"
    assert {e["target"] for e in result["estimates"]} == {"loihi"}


def test_workers_without_ray_name_the_extra(run_cli, ir_model, input_file, monkeypatch):
    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    code, out, err = run_cli("evaluate", ir_model, "--data", input_file, "--workers", "2", "--no-progress")
    assert code == 2 and out == ""
    assert err.strip() == ("snncompile evaluate: error: --workers needs Ray, which is not installed: "
                           "pip install 'snncompile[distributed]'")


def test_bad_data_is_one_line(run_cli, ir_model, tmp_path):
    np.savez(tmp_path / "bad.npz", input=np.zeros((2, 5, 4)))
    code, _, err = run_cli("evaluate", ir_model, "--data", tmp_path / "bad.npz", "--no-progress")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert r"bad.npz: input for node 'x' must be (samples, time, 3); found shape (2, 5, 4)" in err

import json

from snncompile.compile import load_artifact


def test_sweep_writes_table_plot_and_artifacts(run_cli, ir_model, input_file, tmp_path):
    out = tmp_path / "sweep"
    code, stdout, err = run_cli("sweep", ir_model, "--data", input_file, "--target", "loihi", "--weight-bits", "3,8,12",
                                "--split-sign", "both", "-o", out, "--json", "--no-progress")
    assert code == 0, err
    result = json.loads(stdout)
    assert [r["cell"] for r in result["rows"]] == ["loihi-w3", "loihi-w3-split", "loihi-w8", "loihi-w8-split",
                                                   "loihi-w12", "loihi-w12-split"]
    assert [r["status"] for r in result["rows"]] == ["ok"] * 4 + ["skipped"] * 2
    assert set(result["best"]) == {"loihi"}
    for key in ("csv", "json", "png", "html"):
        assert (out / result["files"][key].rsplit("/", 1)[-1]).exists()
    assert load_artifact(out / "cells" / "loihi-w3-split.snnc").provenance["options"]["split_sign"] is True
    code, text, _ = run_cli("sweep", ir_model, "--data", input_file, "--target", "loihi", "--weight-bits", "8",
                            "-o", out, "--no-progress")
    assert code == 0 and "best per target: loihi: loihi-w8" in text


def test_bad_lists_are_one_line(run_cli, ir_model, input_file, tmp_path):
    code, _, err = run_cli("sweep", ir_model, "--data", input_file, "--target", "loihi", "--weight-bits", "4,x",
                           "-o", tmp_path, "--no-progress")
    assert code == 2 and "--weight-bits: expected a comma-separated list, found '4,x'" in err
    code, _, err = run_cli("sweep", ir_model, "--data", input_file, "--target", "loihi", "--weight-bits", "4",
                           "--rounding", "up", "-o", tmp_path, "--no-progress")
    assert code == 2 and "--rounding: ['up'] not among ['nearest', 'trunc']" in err

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


def test_hostile_sweep_options_are_named_and_a_sweep_that_ran_nothing_exits_2(run_cli, ir_model, input_file,
                                                                             tmp_path):
    """issue 13: '-o' naming a file was a NotADirectoryError traceback; a sweep whose every
    cell was skipped exited 0; --calibrate-samples 0 was accepted (and ignored without
    --calibrate)."""
    (tmp_path / "afile").write_text("x")
    common = ("--data", input_file, "--no-progress")
    code, _, err = run_cli("sweep", ir_model, *common, "--target", "loihi", "--weight-bits", "8", "-o",
                           tmp_path / "afile")
    assert code == 2 and err.strip().splitlines() == [
        f"snncompile sweep: error: {tmp_path / 'afile'}: -o names a file; the sweep writes a folder (table, plot, "
        "artifacts)"]
    code, _, err = run_cli("sweep", ir_model, *common, "--target", "loihi", "--weight-bits", "8",
                           "--calibrate-samples", "0", "-o", tmp_path / "s1")
    assert code == 2 and "--calibrate-samples must be at least 1, found 0" in err
    code, text, err = run_cli("sweep", ir_model, *common, "--target", "loihi", "--weight-bits", "12",
                              "--split-sign", "on", "-o", tmp_path / "s2")
    assert code == 2 and "error" not in err and "skipped" in text  # the table says why, the exit that nothing ran

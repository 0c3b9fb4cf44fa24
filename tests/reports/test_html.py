"""The HTML report is one self-contained file with accuracy, the quantization and error
budget, the mapping's reasons and honest plots (issue 16, part 6)."""

import base64
import re

import numpy as np
import pytest

from snncompile.cli.main import main
from snncompile.estimate.plots import utilisation_rows
from snncompile.estimate.run import resolve_targets, run_estimates
from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph
from snncompile.reports.html import (
    build_html_report,
    layer_reasons,
    run_accuracy,
    write_html_report,
)


def network(hidden: int = 6) -> Graph:
    rng = np.random.default_rng(1)
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(4,)))
    g.add("fc1", Linear(weight=rng.uniform(0.2, 0.8, (hidden, 4))))
    g.add("h", LIF(shape=(hidden,), decay=0.9))
    g.add("fc2", Linear(weight=rng.uniform(0.0, 0.5, (3, hidden))))
    g.add("o", LIF(shape=(3,), decay=0.9))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "fc1", "h", "fc2", "o", "y")
    return g


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    x = (rng.random((6, 40, 4)) < 0.4).astype(np.int8)
    path = tmp_path / "x.npz"
    np.savez(path, input=x, labels=np.array([0, 1, 2, 0, 1, 2]))
    return path


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def external_links(page: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*['"]?(?!data:)([^'" >]+)""", page)


def test_report_of_an_artifact_is_one_file_with_accuracy_budget_and_reasons(capsys, tmp_path, data):
    model = tmp_path / "m.snnir"
    save_graph(network(), model)
    cli(capsys, "compile", model, "--target", "loihi2", "--calibrate", data, "-o", tmp_path / "m.snnc")
    out = cli(capsys, "report", tmp_path / "m.snnc", "--input", data, "--target", "loihi2,speck,cortex-m4",
              "-o", tmp_path / "out" / "r.html")
    assert "one file, pictures embedded" in out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.html"]  # no PNGs, no temp files
    page = (tmp_path / "out" / "r.html").read_text()
    assert external_links(page) == []
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 5 and all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "<h2>Accuracy</h2>" in page and "float model (reference)" in page and "chip as compiled" in page
    assert "<h2>Quantization for loihi2</h2>" in page and "limited_by" in page
    assert "<h2>Error budget</h2>" in page and "on the report&#x27;s input (6 samples, 40 steps)" in page
    assert "Mapping: where each layer is, and why" in page and "fits one core" in page
    assert "speck: DOES NOT FIT" in page and "IF neurons only" in page  # the rule's reason and hint
    assert "an MCU has no cores to fill" in page
    assert "shifted by the chip&#x27;s latency" in page  # the run's time base


def test_float_model_report_says_there_is_nothing_quantized(capsys, tmp_path, data):
    model = tmp_path / "m.snnir"
    save_graph(network(), model)
    cli(capsys, "report", model, "--input", data, "--target", "loihi", "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "A float model: nothing is quantized" in page and "this report&#x27;s run (reference)" in page


def test_a_target_over_capacity_is_drawn_over_100_percent_and_marked(tmp_path):
    graph = network(hidden=1500)  # Xylo Audio 2 has 1000 hidden neurons
    x = (np.random.default_rng(0).random((2, 20, 4)) < 0.4).astype(np.float64)
    report = run_estimates(graph, {"x": x}, resolve_targets("xylo-audio2,loihi,cortex-m4"), model="big")
    rows = {r["target"]: r for r in utilisation_rows(report)}
    xylo = rows["xylo-audio2"]
    assert not xylo["fits"] and xylo["fullest"] == pytest.approx(1.5) and xylo["resource"] == "hidden_neurons"
    assert rows["cortex-m4"]["fullest"] is None and "MCU" in rows["cortex-m4"]["label"]
    assert rows["loihi"]["fullest"] > 0
    reasons = {r["layer"]: r for r in layer_reasons(report.placements["loihi"])}
    assert "1500 neurons > 1024 per core: cut into 2 slices" == reasons["h"]["why"]
    path = write_html_report(report, tmp_path / "big.html", labels=np.array([0, 1]))
    page = path.read_text()
    assert "xylo-audio2: DOES NOT FIT" in page and "fullest resource 150.0 % (hidden_neurons)" in page
    assert "hidden neurons" in page  # the violated rule
    assert f"{100 * run_accuracy(report, np.array([0, 1])):.4f}"[:4] in page


def test_pages_refuse_linked_pictures():
    graph = network()
    x = np.ones((1, 5, 4))
    report = run_estimates(graph, {"x": x}, resolve_targets("loihi"))
    with pytest.raises(ValueError, match="data: URI"):
        build_html_report(report, figures={"raster": "raster.png"})


def test_the_reports_accuracy_and_budget_decide_by_the_readout(capsys, tmp_path):
    """The hand graph whose first spike and spike count disagree (tests/readout_cases.py),
    labels 1, 0, 1: count decides 0, 0, 0 (1/3), first spike 1, 0, none (2/3); the page's
    run accuracy and its error budget's follow --readout, the JSON records it."""
    import json

    from snncompile.compile import build_artifact, save_artifact
    from tests.readout_cases import DECIDED, copy_graph, disagreeing_inputs

    x, labels = disagreeing_inputs(), np.array([1, 0, 1])
    data, model, artifact = tmp_path / "d.npz", tmp_path / "copy.snnir", tmp_path / "copy.snnc"
    np.savez(data, input=x, labels=labels)
    save_graph(copy_graph(), model)
    save_artifact(build_artifact(copy_graph(), "loihi", calibrate=x), artifact)
    for readout, decided in DECIDED.items():
        expected = f"{np.mean(np.array(decided) == labels):.4f}"
        for m in (model, artifact):
            page = tmp_path / f"{readout}.html"
            result = json.loads(cli(capsys, "report", m, "--input", data, "--target", "loihi", "--readout", readout,
                                    "-o", page, "--json", "--no-progress"))
            assert result["readout"] == readout and result["readout_chosen_by"] == "option"
            text = page.read_text()
            assert f"<td>{expected}</td>" in text and f"as the readout &#x27;{readout}&#x27; decides" in text
            if m == artifact:  # float, chip and the budget's line: all the readout's
                assert text.count(f"<td>{expected}</td>") == 3
                assert f"accuracy (readout {readout}): reference {expected}" in text
    out = cli(capsys, "report", model, "--input", data, "--target", "loihi", "-o", tmp_path / "d.html", "--no-progress")
    assert "readout: count (default)" in out

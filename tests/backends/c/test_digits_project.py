"""The converted digits MLP and CNN (mixed graphs: the first synapse sees the analog
image) as C projects an embedded engineer takes away: ``make`` builds them with this
machine's gcc, the harness and the example of docs/mcu.md run the whole network (the
host entry in double) and equal the emulator on the 450 held-out digits."""

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from snncompile.backends.c.host import c_compiler, run_harness, stack_inputs
from snncompile.backends.c.project import HOST_CFLAGS, write_artifact_project
from snncompile.compile import build_artifact
from snncompile.convert import convert
from snncompile.emulator import emulate
from snncompile.ir.host import Quantize
from snncompile.simulate.backend import RunInputs, get_backend
from snncompile.simulate.result import accuracy, classify
from snncompile.zoo.digits_ann import digits8, load_ann, sequence

DOC = Path(__file__).resolve().parents[3] / "docs" / "mcu.md"

#: accuracy on the 450 held-out digits, project and emulator alike (docs/mcu.md shows these)
ACCURACY = {"mlp": 0.9733, "cnn": 0.9422}


@pytest.fixture(scope="module", params=["mlp", "cnn"])
def project(request, tmp_path_factory):
    name = request.param
    graph = convert(load_ann(name), digits8("train")[0]).graph()
    art = build_artifact(graph, "cortex-m4", calibrate=sequence("train", 64)[0][:64])
    folder = write_artifact_project(art, tmp_path_factory.mktemp(name) / f"digits_{name}_m4").folder
    done = subprocess.run(["make", "-s", "-C", str(folder)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return name, art, folder


def test_the_project_runs_the_whole_network_equal_to_the_emulator(project):
    name, art, folder = project
    assert set(art.partition.host_nodes) & {"fc1", "conv1"}  # a mixed graph
    assert "void snn_set_analog(const double *analog);" in (folder / "snn_model.h").read_text()
    seq, y = sequence("test", 64)
    data, analog = stack_inputs(art.fixed, RunInputs({"input": seq}, 64, len(seq)))
    assert data.shape[2] == 0 and analog.shape[2] == 64
    raw = run_harness(folder / "snn_harness", data, analog, 64, False)  # the harness `make` built
    emu = emulate(art.fixed, seq).output()
    assert np.array_equal(raw.reshape(emu.shape), emu)
    assert accuracy(emu, y) == pytest.approx(ACCURACY[name], abs=5e-5)
    # the boundary's integers, every sample and step (the c backend runs the same project)
    q = [n for n, node in art.fixed.items() if isinstance(node, Quantize)]
    c = get_backend("c").run(art.fixed, seq, record=q)
    e = emulate(art.fixed, seq, record=q)
    assert all(np.array_equal(c.recorded[n], e.recorded[n]) for n in q) and e.recorded[q[0]].any()


def example_source() -> str:
    """The C example of docs/mcu.md (the block after its "classify.c" heading)."""
    text = DOC.read_text()
    return re.search(r"### Example: classify\.c.*?```c\n(.*?)```", text, re.S).group(1)


def test_the_documented_example_classifies_like_the_emulator(project, tmp_path):
    name, art, folder = project
    (tmp_path / "classify.c").write_text(example_source())
    exe = tmp_path / "classify"
    done = subprocess.run([c_compiler(), *HOST_CFLAGS, f"-I{folder}", "-o", str(exe), str(tmp_path / "classify.c"),
                           str(folder / "snn_model.c")], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr, done.stderr
    x, y = digits8("test")
    x, y = x[:64], y[:64]
    lines = "\n".join(" ".join(str(int(v)) for v in (img * 16).reshape(-1)) for img in x)
    out = subprocess.run([str(exe)], input=lines, capture_output=True, text=True, check=True).stdout
    classes = np.array([int(v) for v in out.split()])
    seq = np.repeat(x[:, None], 64, axis=1)
    assert np.array_equal(classes, classify(emulate(art.fixed, seq).output()))
    assert (classes == y).mean() > 0.9

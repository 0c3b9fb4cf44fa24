"""``snncompile compile --target cortex-m4 -o DIR``: the generated C project, which the
``c`` backend runs like the emulator; what it cannot run is one line, exit 2."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph
from snncompile.ir.host import LayerNorm


@pytest.mark.parametrize("target", ["cortex-m4", "esp32-s3"])
def test_compile_for_an_mcu_writes_a_c_project_that_simulates_like_the_emulator(run_cli, ir_model, input_file,
                                                                                tmp_path, target):
    folder = tmp_path / target
    code, text, err = run_cli("compile", ir_model, "--target", target, "-o", folder)
    assert code == 0, err
    assert f"wrote the C project {folder}/" in text
    names = {p.name for p in folder.iterdir()}
    assert {"snn_model.h", "snn_model.c", "snn_harness.c", "Makefile", "README.md", "model.snnc"} <= names
    header = (folder / "snn_model.h").read_text()
    assert "void snn_step(const int32_t *input);" in header and "SNN_INPUT_SIZE 3u" in header
    source = (folder / "snn_model.c").read_text()
    assert "static const" in source and "malloc" not in source and "float" not in source
    assert subprocess.run(["make", "-s", "-C", str(folder)], capture_output=True).returncode == 0
    runs = {}
    for backend in ("emulator", "c"):
        code, text, err = run_cli("simulate", folder / "model.snnc", "--input", input_file, "--backend", backend,
                                  "--json", "--no-progress")
        assert code == 0, err
        runs[backend] = json.loads(text)
    assert runs["c"]["accuracy"] == runs["emulator"]["accuracy"]
    assert runs["c"]["outputs"] == runs["emulator"]["outputs"]
    code, text, err = run_cli("compare", folder / "model.snnc", "--input", input_file, "--backends", "emulator,c",
                              "--json", "--no-progress")
    assert code == 0, err
    pair = json.loads(text)["pairs"][0]
    assert pair["first_layer"] is None and [layer["agreement"] for layer in pair["layers"]] == [1.0]


def test_make_mcu_cross_compiles_the_network_for_the_cortex_m(run_cli, ir_model, tmp_path):
    folder = tmp_path / "m7"
    code, _, err = run_cli("compile", ir_model, "--target", "cortex-m7", "-o", folder)
    assert code == 0, err
    # the Makefile's default MCU_CC is `python3 -m ziglang cc`: this environment's python3
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["make", "-s", "-C", str(folder), "mcu"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    with open(folder / "snn_model.o", "rb") as handle:
        elf = ELFFile(handle)
        assert elf["e_machine"] == "EM_ARM"
        assert elf.get_section_by_name(".text.snn_step") is not None


def test_an_artifact_path_still_writes_only_the_artifact(run_cli, ir_model, tmp_path):
    out = tmp_path / "m.snnc"
    code, _, err = run_cli("compile", ir_model, "--target", "cortex-m7", "-o", out)
    assert code == 0, err
    assert out.is_file()


def test_a_host_op_outside_the_c_entry_is_refused_in_one_line(run_cli, tmp_path):
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("ln", LayerNorm(normalized_shape=(3,)))  # a host operation: no integer form
    g.add("fc", Linear(weight=np.full((2, 3), 0.6)))
    g.add("lif", LIF(shape=(2,), decay=0.9))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "ln", "fc", "lif", "y")
    model = tmp_path / "values.snnir"
    save_graph(g, model)
    code, out, err = run_cli("compile", model, "--target", "cortex-m4", "-o", tmp_path / "p")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "the c backend cannot run 1 node(s) in a C project: 'ln' (LayerNorm): a host operation with no C form" \
        in err and "run it in process (snncompile simulate MODEL.snnc --backend c" in err
    assert not (tmp_path / "p").exists()

"""The generated project's files: the Makefile's cross-compiler comes from the target's
toolchain (zig's clang for Cortex-M, Espressif's GCC for ESP32-S3); a target without one
makes ``make mcu`` stop with a message, while ``make`` still builds the host harness."""

import subprocess

import numpy as np

from snncompile.backends.c.project import makefile, write_project
from snncompile.ir import Graph, Input, Output
from snncompile.ir.fixed import FixedLIF, FixedLinear


def tiny() -> Graph:
    g = Graph()
    g.add("x", Input(shape=(2,)))
    g.add("w", FixedLinear(weight=np.array([[3, 1], [0, 2]])))
    g.add("n", FixedLIF(shape=(2,), du=100, dv=200, vth=1))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "w", "n", "y")
    return g.validate()


def test_each_mcu_target_names_its_cross_compiler():
    assert "MCU_CC ?= python3 -m ziglang cc" in makefile("cortex-m4")
    assert "-mcpu=cortex_m7" in makefile("cortex-m7")
    assert "MCU_CC ?= xtensa-esp32s3-elf-gcc" in makefile("esp32-s3")


def test_a_target_without_a_cross_compiler_stops_make_mcu_with_a_message(tmp_path):
    folder = write_project(tiny(), tmp_path / "p", target="custom").folder
    assert subprocess.run(["make", "-s", "-C", str(folder)], capture_output=True).returncode == 0
    done = subprocess.run(["make", "-s", "-C", str(folder), "mcu"], capture_output=True, text=True)
    assert done.returncode != 0
    assert "no cross-compiler known for target custom: set MCU_CC and MCU_FLAGS" in done.stderr


def test_writing_a_project_again_replaces_it_whole(tmp_path):
    folder = tmp_path / "p"
    write_project(tiny(), folder, target="cortex-m4")
    (folder / "stale.txt").write_text("left from before")
    write_project(tiny(), folder, target="cortex-m4")
    assert not (folder / "stale.txt").exists()
    assert {p.name for p in folder.iterdir()} == {"snn_model.h", "snn_model.c", "snn_harness.c", "Makefile",
                                                 "README.md"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left

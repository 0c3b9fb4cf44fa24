"""The converted digits networks as C projects with a host entry: the project (built with
``make``, the whole network in one program) against the emulator on the 450 held-out
digits, and how close the entry's ``x * scale`` comes to a rounding tie (a payload could
differ from the emulator's float64 host part only within a few ulps of one)."""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.doc_tables import markdown_table, write_block


def measure(name: str, folder: Path) -> list[str]:
    from snncompile.backends.c.host import run_harness, stack_inputs
    from snncompile.backends.c.project import write_artifact_project
    from snncompile.compile import build_artifact
    from snncompile.convert import convert
    from snncompile.emulator import emulate
    from snncompile.ir.host import Quantize
    from snncompile.simulate.backend import RunInputs, get_backend
    from snncompile.simulate.result import accuracy
    from snncompile.zoo.digits_ann import digits8, load_ann, sequence

    graph = convert(load_ann(name), digits8("train")[0]).graph()
    art = build_artifact(graph, "cortex-m4", calibrate=sequence("train", 64)[0][:64])
    write_artifact_project(art, folder)
    subprocess.run(["make", "-s", "-C", str(folder)], check=True, capture_output=True)
    seq, y = sequence("test", 64)
    data, analog = stack_inputs(art.fixed, RunInputs({"input": seq}, 64, len(seq)))
    start = time.perf_counter()
    c = run_harness(folder / "snn_harness", data, analog, 64, False)
    wall = time.perf_counter() - start
    (q,) = [n for n, node in art.fixed.items() if isinstance(node, Quantize)]
    (src,) = [e.src for e in art.fixed.incoming(q)]
    emu = emulate(art.fixed, seq, record=[src])
    c = c.reshape(emu.output().shape)
    scaled = emu.recorded[src].reshape(len(seq), 64, -1) * np.broadcast_to(
        art.fixed.nodes[q].scale, art.fixed.infer_shapes()[q]).reshape(-1)
    margin = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5).min()
    ref = get_backend("reference").run(graph, seq).output()
    return [name, f"{len(seq)} x 64 steps", "identical" if np.array_equal(c, emu.output()) else "DIFFER",
            f"{accuracy(c, y):.4f}", f"{accuracy(emu.output(), y):.4f}", f"{accuracy(ref, y):.4f}",
            f"{margin:.2e}", f"{wall:.2f} s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/mcu.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(name, Path(tmp) / name) for name in ("mlp", "cnn")]
    table = markdown_table(["network", "held-out digits", "project outputs vs emulator", "accuracy: project",
                            "emulator", "float graph", "closest x * scale to a tie", "project wall (harness)"], rows)
    print(table)
    if args.write_docs:
        write_block("mcu.md", "mcu_entry", table, "python -m benchmarks.mcu_entry --write-docs")


if __name__ == "__main__":
    main()

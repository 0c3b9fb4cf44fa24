import os
import stat

import pytest

from snncompile.fileio import atomic_open, atomic_path


def test_written_file_gets_the_umask_mode_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_open(tmp_path / "out.txt") as handle:
            handle.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "out.txt").st_mode) == 0o644


def test_failure_leaves_neither_target_nor_temporary(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "out.bin") as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("crash while writing")
    assert list(tmp_path.iterdir()) == []


KILLED_MID_WRITE = """
import sys, time
import numpy as np
import snncompile.npz as npz
from snncompile.compile import build_artifact, save_artifact
from snncompile.ir import load_graph

real = npz._write_npy
count = [0]

def stall(handle, array, dtype):  # in the third member: the first two are on disk
    count[0] += 1
    if count[0] == 3:
        handle._fileobj.flush()  # the archive's file: what was written reaches the disk
        print("writing", flush=True)
        time.sleep(1000)
    return real(handle, array, dtype)

npz._write_npy = stall
save_artifact(build_artifact(load_graph(sys.argv[1]), "loihi2"), sys.argv[2])
"""


def test_a_process_killed_mid_write_leaves_the_previous_artifact_intact(tmp_path):
    """An artifact is rewritten by a process that is killed (SIGKILL) while the new file
    is half written: the old artifact is still there, byte for byte, and loads."""
    import subprocess
    import sys

    import numpy as np

    from snncompile.compile import build_artifact, load_artifact, save_artifact
    from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph

    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), 0.4)))
    g.add("lif", LIF(shape=(2,), decay=np.array(0.9)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    save_graph(g, tmp_path / "m.snnir")
    target = tmp_path / "m.snnc"
    save_artifact(build_artifact(g, "loihi2"), target)
    before = target.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MID_WRITE, str(tmp_path / "m.snnir"), str(target)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        partial = [p for p in tmp_path.iterdir() if p.name.startswith(".m.snnc.")]
        assert len(partial) == 1 and 0 < partial[0].stat().st_size  # the new file, half written
    finally:
        proc.kill()
        proc.wait()
    assert target.read_bytes() == before
    assert load_artifact(target).fixed.nodes["lif"].kind == "FixedLIF"


#: calls that write a file: they must run inside ``with atomic_path(...)`` / ``atomic_open``
WRITERS = {"save", "savez", "savez_compressed", "savefig", "write_text", "write_bytes", "write", "ZipFile", "File",
           "open", "to_csv", "tofile"}


def test_every_output_is_written_through_an_atomic_path():
    """A static scan of the package: each call that opens a file for writing sits in a
    ``with`` block that also enters ``atomic_path``/``atomic_open`` (which rename the
    finished file into place), so an interrupted write never replaces an output."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "snncompile"
    offenders = []
    for path in root.rglob("*.py"):
        if path.parts[-2] == "testing" or "testing" in path.relative_to(root).parts or path.name == "fileio.py":
            continue  # test helpers write scratch files; fileio is the mechanism itself
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        buffers = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                   and _name(node.value.func) in ("StringIO", "BytesIO") for t in node.targets
                   if isinstance(t, ast.Name)}  # in-memory files: nothing to interrupt
        for node in ast.walk(tree):
            in_memory = node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in buffers \
                if isinstance(node, ast.Call) else False
            if isinstance(node, ast.Call) and _writes(node) and not in_memory and not _inside_atomic(node, parents):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def _name(func) -> str:
    import ast

    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _writes(call) -> bool:
    import ast

    name = _name(call.func)
    if name not in WRITERS:
        return False
    if name in ("open", "File", "ZipFile", "write"):  # these also read: look at the mode
        modes = [a.value for a in [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "mode")]
                 if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name == "write":
            return isinstance(call.func, ast.Attribute) and _name(call.func.value) == "nir"
        return any(set(m) & set("wax+") for m in modes)
    return True


def _inside_atomic(node, parents) -> bool:
    import ast

    while node in parents:
        node = parents[node]
        if isinstance(node, ast.With) and any(
                isinstance(item.context_expr, ast.Call) and _name(item.context_expr.func) in ("atomic_path", "atomic_open")
                for item in node.items):
            return True
    return False

"""``pip install`` as a new user does it: the wheel in a fresh virtual environment that
holds only its declared runtime dependencies (no test extras, no matplotlib), and every
command works there. Also: every third-party package the code imports is declared, and
every declared one is imported.

The fresh environment gets its dependencies from this one instead of a registry (no
downloads, no second copy of torch): a folder of links to exactly the distributions the
wheel's ``Requires-Dist`` names, followed transitively, is put on its path by a ``.pth``
file. Anything the code imports beyond that is missing there, as it would be for a user.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from packaging.requirements import Requirement

from snncompile.cli.main import COMMANDS
from snncompile.ir import LIF, Graph, Input, Linear, Output, save_graph

ROOT = Path(__file__).resolve().parents[1]
#: imported only by optional parts, each declared in an extra or installed separately
OPTIONAL = {
    "matplotlib": "plots extra (snncompile report)",
    "onnxruntime": "onnx extra (--backend onnx)",
    "lava": "lava-nc, installed separately (README)",
    "scipy": "lava extra (the Lava backend)",
    "norse": "a framework adapter: only for models built with it",
    "hypothesis": "test extra (snncompile.testing: strategies for tests)",
    "ray": "distributed extra (evaluate --workers/--ray, sweep)",
    "sklearn": "zoo extra (the zoo's digits data)",
    "spikingjelly": "a framework adapter, and zoo:spikformer's neurons (installed --no-deps, README)",
    "DCLS": "zoo:delays' learned-delay layer, dcls (installed --no-deps, requirements/frameworks.txt)",
    "ziglang": "mcu extra (cross-compiling the generated C for Cortex-M)",
    "unicorn": "mcu extra (instruction-set simulation of the generated C)",
    "capstone": "mcu extra (decoding instructions for the Cortex-M4 timing model)",
    "elftools": "mcu extra (flash and RAM from the ELF)",
    "rockpool": "the xylosim backend: Rockpool drives SynSense's xylosim (requirements/xylo.txt, README)",
    "snntorch": "a framework adapter, and zoo:l2mu's neurons (installed --no-deps, README)",
}
#: distribution name -> the module it provides, where they differ
MODULE_OF: dict[str, str] = {"scikit-learn": "sklearn", "pyelftools": "elftools"}


def runtime_requirements(metadata: str) -> list[Requirement]:
    reqs = [Requirement(line.split(":", 1)[1].strip()) for line in metadata.splitlines()
            if line.startswith("Requires-Dist:")]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]


def closure(reqs: list[Requirement]) -> dict[str, md.Distribution]:
    """Every installed distribution the requirements need, transitively."""
    found: dict[str, md.Distribution] = {}
    todo = list(reqs)
    while todo:
        req = todo.pop()
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        if key in found:
            continue
        dist = md.distribution(req.name)
        assert dist.version in req.specifier or not req.specifier, (req, dist.version)
        found[key] = dist
        todo += [r for r in map(Requirement, dist.requires or []) if r.marker is None
                 or r.marker.evaluate({"extra": ""})]
    return found


def link_distributions(dists: dict[str, md.Distribution], folder: Path) -> None:
    """Links in ``folder`` to each distribution's top-level files and its metadata."""
    folder.mkdir()
    for dist in dists.values():
        site = Path(str(dist.locate_file("")))
        tops = {f.parts[0] for f in dist.files or [] if f.parts and f.parts[0] not in ("..", "__pycache__")}
        for top in tops:
            if (site / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(site / top)


def build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("snncompile", "targets"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp / "wheel"
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", "-q", "-w",
         str(out), str(src)])
    (wheel,) = out.glob("*.whl")
    return wheel


def run(argv: list, cwd: Path | None = None, code: int = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    proc = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=600, cwd=cwd, env=env)
    assert proc.returncode == code, (argv, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, (argv, proc.stderr[-3000:])
    return proc


def test_the_wheel_in_a_fresh_environment_runs_every_command(tmp_path):
    wheel = build_wheel(tmp_path)
    metadata = zipfile.ZipFile(wheel).read("snncompile-0.1.0.dist-info/METADATA").decode()
    reqs = runtime_requirements(metadata)
    assert {r.name for r in reqs} >= {"numba", "torch", "numpy"}
    env = tmp_path / "env"
    run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", env])
    python = env / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    link_distributions(closure(reqs), tmp_path / "deps")
    (site / "deps.pth").write_text(str(tmp_path / "deps") + "\n")
    # not --no-deps: pip must find every requirement already satisfied (there is no index)
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "-q", wheel])
    where = run([python, "-c", "import importlib.util, snncompile; print(snncompile.__file__); "
                 "print(importlib.util.find_spec('matplotlib') is None)"], cwd=tmp_path).stdout.split()
    assert where == [str(site / "snncompile" / "__init__.py"), "True"]  # the wheel's copy, no test extras

    cli = env / "bin" / "snncompile"
    assert run([cli, "--version"], tmp_path).stdout.startswith("snncompile ")
    assert all(name in run([cli, "--help"], tmp_path).stdout for name in COMMANDS)
    for name in COMMANDS:
        assert "usage: snncompile" in run([cli, name, "--help"], tmp_path).stdout

    model, data = _small_model(tmp_path)
    run([cli, "compile", model, "--calibrate", data, "-o", tmp_path / "m.snnc"], tmp_path)
    run([cli, "simulate", tmp_path / "m.snnc", "--input", data, "-o", tmp_path / "out.npz", "--no-progress"],
        tmp_path)
    with np.load(tmp_path / "out.npz") as out:
        assert out["output"].dtype == bool and out["output"].shape == (3, 12, 2)
    estimate = json.loads(run([cli, "estimate", tmp_path / "m.snnc", "--target", "loihi2", "--steps", "12",
                               "--no-progress", "--json"], tmp_path).stdout)
    assert estimate["estimates"]
    report = run([cli, "report", tmp_path / "m.snnc", "-o", tmp_path / "r.html"], tmp_path, code=2)
    assert "snncompile[plots]" in report.stderr and report.stderr.count("\n") == 1


def _small_model(tmp: Path) -> tuple[Path, Path]:
    g = Graph()
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.array([[0.7, 0.2, 0.0], [0.1, 0.5, 0.6]])))
    g.add("lif", LIF(shape=(2,), decay=0.9))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    save_graph(g, tmp / "model.snnir")
    x = (np.random.default_rng(0).random((3, 12, 3)) < 0.5).astype(np.float32)
    np.savez(tmp / "in.npz", input=x)
    return tmp / "model.snnir", tmp / "in.npz"


def _imported_packages() -> set[str]:
    """Top-level third-party modules imported anywhere in the package."""
    names: set[str] = set()
    for path in (ROOT / "snncompile").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "snncompile"}


def _module_of(requirement: str) -> str:
    name = Requirement(requirement).name
    return MODULE_OF.get(name, name.replace("-", "_").lower())


def test_every_import_is_declared_and_every_declaration_imported():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_module_of(r) for r in project["dependencies"]}
    extras = {_module_of(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    imported = _imported_packages()
    assert imported - runtime - set(OPTIONAL) == set()  # nothing imported that a user may lack
    assert runtime - imported == set()  # nothing declared that is never imported
    assert {"matplotlib", "onnxruntime", "scipy", "hypothesis"} <= extras  # optional, but declared

"""No unpickling anywhere: a scan of the code for every way Python can unpickle data.

Shipped code (the package, examples, benchmarks, docs scripts) must never call a pickle
loader, must state ``allow_pickle=False`` on every ``np.load`` and ``weights_only=True``
on every ``torch.load``; tests may rely on NumPy's default (``allow_pickle=False``) but
may not turn pickles on either.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["snncompile", "examples", "benchmarks", "docs/scripts"]
#: modules whose load/loads unpickle (or run code, for marshal)
PICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "marshal", "shelve", "jsonpickle"}
UNSAFE = {"Unpickler", "read_pickle", "unsafe_load", "load_pickle"}


def _files(folders):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def _keyword(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name and isinstance(k.value, ast.Constant):
            return k.value.value
    return None


def _problems(path: Path, shipped: bool) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno}"
        if attr in ("load", "loads", "open") and owner in PICKLERS or attr in UNSAFE:
            found.append(f"{where}: {owner}.{attr}")
        if attr in ("load", "read_array") and _keyword(node, "allow_pickle") is True:  # writing one is no risk
            found.append(f"{where}: allow_pickle=True")
        if attr == "load" and owner in ("np", "numpy") and shipped and _keyword(node, "allow_pickle") is not False:
            found.append(f"{where}: np.load without allow_pickle=False")
        if attr == "load" and owner == "torch" and _keyword(node, "weights_only") is not True:
            found.append(f"{where}: torch.load without weights_only=True")
        if attr == "load" and owner == "yaml" and not any(k.arg == "Loader" for k in node.keywords):
            found.append(f"{where}: yaml.load without a safe Loader")
    return found


def test_shipped_code_never_unpickles():
    problems = [p for path in _files(SHIPPED) for p in _problems(path, shipped=True)]
    assert problems == []


def test_tests_never_turn_pickles_on():
    problems = [p for path in _files(["tests"]) for p in _problems(path, shipped=False)]
    assert problems == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "sample.py"
    bad.write_text("import pickle, numpy as np, torch\npickle.loads(b'')\nnp.load('x', allow_pickle=True)\n"
                   "np.load('y')\ntorch.load('z')\n")
    found = _problems(bad, shipped=True)
    assert [f.split(": ", 1)[1] for f in found] == ["pickle.loads", "allow_pickle=True", "np.load without "
                                                    "allow_pickle=False", "np.load without allow_pickle=False",
                                                    "torch.load without weights_only=True"]

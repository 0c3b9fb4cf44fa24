"""docs/walkthrough.md is executed: its python blocks run in order in one namespace, and
every `snncompile ...` line of its sh blocks runs through the CLI and must exit 0. A
``text`` block after a code block is what that block prints: each of its lines must
appear in the output, so the figures the page shows are the ones the code produces."""

import os
import re
import shlex
from pathlib import Path

from snncompile.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = ROOT / "docs" / "walkthrough.md"
BLOCK = re.compile(r"```(python|sh|text)\n(.*?)```", re.S)


def blocks(text: str):
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(text)]


def test_walkthrough_runs(tmp_path, monkeypatch, capsys):
    text = WALKTHROUGH.read_text()
    found = blocks(text)
    assert len(found) >= 4, "the walkthrough should have code to run"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SNNCOMPILE_ROOT", str(ROOT))
    namespace: dict = {"__name__": "walkthrough"}
    printed = ""
    shown = 0
    for i, (language, code) in enumerate(found):
        if language == "text":
            missing = [line for line in code.splitlines() if line.strip() and line.strip() not in printed]
            assert not missing, f"block {i}: the page shows {missing}, the code printed:\n{printed}"
            shown += 1
            continue
        printed = ""
        if language == "python":
            exec(compile(code, f"walkthrough block {i}", "exec"), namespace)
            printed = capsys.readouterr().out
            continue
        for line in code.splitlines():
            line = os.path.expandvars(line.strip())
            if not line.startswith("snncompile "):
                continue
            code_ = main(shlex.split(line)[1:])
            out, err = capsys.readouterr()
            assert code_ == 0, f"block {i}: `{line}` exited {code_}: {err}"
            printed += out
    assert shown >= 4, "the walkthrough should show what its code prints"

"""The CLI reads file.py:factory models through the front end (api -> load_factory -> trace)."""

from __future__ import annotations

import json
from pathlib import Path

from snncompile.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models.py"


def test_inspect_example_factory(capsys):
    assert main(["inspect", f"{EXAMPLES}:braille_lif", "--input-shape", "12", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    kinds = [n["kind"] for n in result["nodes"]]
    assert kinds == ["Input", "Linear", "LIF", "Linear", "LIF", "Output"]


def test_missing_factory_is_one_line_exit_2(capsys):
    assert main(["inspect", f"{EXAMPLES}:nope", "--input-shape", "12"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "has no factory 'nope'" in err and "braille_lif" in err

"""The README's Python block runs as written (from the repository root) and prints what
its comments say."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_block_runs(monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "the README shows one Python block"
    monkeypatch.chdir(ROOT)
    exec(compile(blocks[0], "README.md", "exec"), {"__name__": "readme"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "steps of dt=0.0001 s, on the float timeline"
    counts = eval(lines[1])  # a dict of ints
    assert set(counts) == {"1", "3"} and all(v > 0 for v in counts.values())
    assert "shifted by the chip's latency (output by 2 steps" in lines[2]
    assert lines[3] == "True 2"

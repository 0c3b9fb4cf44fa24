"""`make demo` runs examples/demo.py; keep it working (it takes ~20 s)."""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["demo.py", "--out", str(tmp_path)])
    runpy.run_path(str(ROOT / "examples" / "demo.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "emulator vs Lava: identical spikes in every layer and step" in out
    assert "float reference (snncompile)        280      0.9607" in out
    assert "xylo-audio2" in out and (tmp_path / "braille.snnc").exists()

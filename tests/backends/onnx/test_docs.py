"""The Python examples in docs/onnx.md run as written, in order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")

DOC = Path(__file__).resolve().parents[3] / "docs" / "onnx.md"


def test_docs_examples_run(tmp_path, monkeypatch):
    section = DOC.read_text().split("## Driving the model for T steps")[1].split("\n## ")[0]
    runnable = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(runnable) == 3, "expected the export-and-drive, run_onnx and sequence examples"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in runnable:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert (tmp_path / "net.onnx").exists()
    assert namespace["y"].shape == (3, 20, 2)

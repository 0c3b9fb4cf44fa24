"""The API reference (docs/api, Sphinx autodoc over the public API modules) builds from
the docstrings with warnings as errors, and documents what users call."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_reference_builds_without_warnings(tmp_path):
    out = tmp_path / "api"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                          str(ROOT / "docs" / "api"), str(out)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    page = (out / "index.html").read_text()
    for name in ("load_model", "ModelOptions", "SimResult", "spike_counts", "time_base", "run_flushed",
                 "build_artifact", "SnnCompileError", "write_html_report"):
        assert f'id="{name}"' in page or f".{name}\"" in page, name

"""The documented limits: read from their variables (a bad value is an error naming it),
refusals carry the numbers, time limits stop Python code and nest."""

import signal
import time

import pytest

from snncompile.errors import InputError
from snncompile.limits import (
    FACTORY_TIMEOUT,
    LIMITS,
    MAX_ARRAY_BYTES,
    check_bytes,
    check_shape,
    time_limit,
)


def test_defaults_and_overrides(monkeypatch):
    assert MAX_ARRAY_BYTES.value() == 4e9
    monkeypatch.setenv("SNNCOMPILE_MAX_ARRAY_BYTES", "1e6")
    assert MAX_ARRAY_BYTES.value() == 1e6
    for bad in ("0", "-1", "nan", "inf", "x"):
        monkeypatch.setenv("SNNCOMPILE_FACTORY_TIMEOUT", bad)
        with pytest.raises(InputError, match=f"SNNCOMPILE_FACTORY_TIMEOUT='{bad}': expected a positive number of s"):
            FACTORY_TIMEOUT.value()
    assert {limit.variable for limit in LIMITS} == {"SNNCOMPILE_MAX_ARRAY_BYTES", "SNNCOMPILE_READ_TIMEOUT",
                                                    "SNNCOMPILE_FACTORY_TIMEOUT", "SNNCOMPILE_LAVA_TIMEOUT"}


def test_refusals_name_both_numbers():
    check_bytes(4_000_000_000, "fits")
    with pytest.raises(InputError, match=r"^w needs 7.2 GB \(7200000000 bytes\), more than the 4.0 GB"):
        check_bytes(7_200_000_000, "w")
    with pytest.raises(InputError, match="negative dimension"):
        check_shape((3, -1), 8, "w")


def test_time_limit_stops_a_loop_that_swallows_exceptions(monkeypatch):
    monkeypatch.setenv("SNNCOMPILE_FACTORY_TIMEOUT", "0.3")
    start = time.monotonic()
    with pytest.raises(InputError, match="model.py: building did not finish within 0.3 s and was stopped "
                                         r"\(SNNCOMPILE_FACTORY_TIMEOUT sets the limit\)"):
        with time_limit(FACTORY_TIMEOUT, "model.py: building"):
            while True:
                try:
                    time.sleep(0.01)
                except Exception:  # noqa: BLE001  user code that swallows errors cannot swallow the limit
                    pass
    assert time.monotonic() - start < 5
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_an_outer_limit_keeps_running_inside(monkeypatch):
    monkeypatch.setenv("SNNCOMPILE_FACTORY_TIMEOUT", "100")
    monkeypatch.setenv("SNNCOMPILE_READ_TIMEOUT", "0.3")
    from snncompile.limits import READ_TIMEOUT

    with pytest.raises(InputError, match="outer did not finish within 0.3 s"):
        with time_limit(READ_TIMEOUT, "outer"):
            with time_limit(FACTORY_TIMEOUT, "inner"):
                pass
            left = signal.getitimer(signal.ITIMER_REAL)[0]
            assert 0 < left <= 0.3
            time.sleep(2)


def test_a_layer_declared_beyond_the_limit_is_refused_when_loaded(tmp_path):
    """A few-kB NIR file declaring a layer of 10**9 neurons with scalar parameters: nothing
    is broadcast to that size; the model is refused with the number."""
    import tracemalloc

    import numpy as np

    from snncompile.api import load_model
    from snncompile.testing.fuzz.hdf5 import nir_huge_layer

    path = tmp_path / "huge.nir"
    for seed in range(20):  # the generator draws the size; find the 10**9 one
        if "1000000000 neurons" in nir_huge_layer(np.random.default_rng(seed), path, path):
            break
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as info:
            load_model(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith(f"{path}: node 'x' (Input) of shape (1000000000,)")
    assert "needs 8.0 GB (8000000000 bytes), more than the 4.0 GB" in str(info.value) and peak < 50_000_000


def test_every_limit_is_documented_with_its_default():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "robustness.md").read_text()
    documented = {"SNNCOMPILE_MAX_ARRAY_BYTES": ("4 GB (4e9 bytes)", 4e9), "SNNCOMPILE_READ_TIMEOUT": ("60 s", 60),
                  "SNNCOMPILE_FACTORY_TIMEOUT": ("300 s", 300), "SNNCOMPILE_LAVA_TIMEOUT": ("600 s", 600)}
    for limit in LIMITS:
        shown, value = documented[limit.variable]
        assert limit.default == value and f"| `{limit.variable}` | {shown} |" in text, limit


def test_every_file_docs_robustness_names_exists():
    """docs/robustness.md points readers at modules and tests by path; a renamed module
    (snncompile/npzfile.py became snncompile/npz.py in a merge) must not leave it pointing
    at nothing."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "robustness.md").read_text()
    named = set(re.findall(r"`((?:snncompile|tests|benchmarks)/[\w/.]+\.(?:py|md|nir))", text))
    assert len(named) > 10 and {"snncompile/npz.py", "snncompile/partition_check.py"} <= named
    assert [p for p in sorted(named) if not (root / p).exists()] == []

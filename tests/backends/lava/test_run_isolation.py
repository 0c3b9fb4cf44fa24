"""A Lava run happens in a child process: one that hangs is stopped after
SNNCOMPILE_LAVA_TIMEOUT and reported, one that crashes is reported, and compare still
shows the other backends' results."""

import os
import signal
import time

import numpy as np
import pytest

from snncompile.cli.main import main
from snncompile.compile import build_artifact, save_artifact
from snncompile.ir import LIF, Graph, Input, Linear, Output
from snncompile.simulate import BackendFailed, get_backend


@pytest.fixture
def artifact(tmp_path):
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc", Linear(weight=np.full((2, 3), 0.6)))
    g.add("lif", LIF(shape=(2,), decay=np.array(0.9)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc", "lif", "y")
    x = np.ones((2, 6, 3))
    save_artifact(build_artifact(g, "loihi2", calibrate=x), tmp_path / "m.snnc")
    np.savez(tmp_path / "x.npz", input=x)
    return tmp_path / "m.snnc", tmp_path / "x.npz"


@pytest.fixture
def hung_lif(monkeypatch):
    """Lava's fixed-point LIF never finishes a step: the runtime, in Lava's own worker
    processes, waits forever (the patch reaches them: the run is forked from here)."""
    from snncompile.backends.lava.compat import ensure_lava

    ensure_lava()
    from lava.proc.lif.models import PyLifModelBitAcc

    monkeypatch.setattr(PyLifModelBitAcc, "run_spk", lambda self: time.sleep(10**6))
    monkeypatch.setenv("SNNCOMPILE_LAVA_TIMEOUT", "8")


def test_a_hung_lava_run_is_stopped_and_the_emulator_result_still_shown(artifact, hung_lif, capsys):
    art, x = artifact
    start = time.monotonic()
    code = main(["compare", str(art), "--input", str(x), "--backends", "emulator,lava", "--no-progress"])
    out, err = capsys.readouterr()
    assert time.monotonic() - start < 60
    assert code == 2  # nothing could be compared
    assert "spikes per layer (nothing to compare with)" in out and "spikes emulator" in out
    assert "FAILED lava: the Lava run did not finish within 8 s and was stopped (SNNCOMPILE_LAVA_TIMEOUT" in out
    assert err.count("\n") == 1 and err.startswith("warning: ") and "backend lava failed" in err


def test_with_two_backends_left_the_comparison_goes_on(artifact, hung_lif, capsys):
    art, x = artifact
    code = main(["compare", str(art), "--input", str(x), "--backends", "reference,emulator,lava", "--no-progress"])
    out, _ = capsys.readouterr()
    assert code == 0 and "reference vs emulator" in out and "FAILED lava" in out


def test_a_crashed_lava_run_is_reported(artifact, monkeypatch):
    import snncompile.backends.lava.run as lava_run

    monkeypatch.setattr(lava_run, "_run_whole", lambda *a, **k: os.kill(os.getpid(), signal.SIGSEGV))
    from snncompile.compile import load_artifact

    art = load_artifact(artifact[0])
    with pytest.raises(BackendFailed, match=r"the Lava run crashed \(signal 11\)") as info:
        get_backend("lava")(art.fixed, np.ones((1, 4, 3)))
    assert info.value.reason == "crash"

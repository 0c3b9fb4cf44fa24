"""call_isolated: a child that hangs is stopped with everything it started, a crash is
reported, errors and arrays come back (nothing unpickled)."""

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from snncompile.errors import UnsupportedError
from snncompile.isolate import ChildFailed, call_isolated


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not reaped by its parent) counts as gone
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split(")")[-1].split()[0] != "Z"


def test_results_and_arrays_come_back():
    result, arrays = call_isolated(lambda: ({"n": 3, "name": "x"}, {"a": np.arange(6).reshape(2, 3)}), 30, "work")
    assert result == {"n": 3, "name": "x"} and np.array_equal(arrays["a"], np.arange(6).reshape(2, 3))


def test_a_hung_child_and_what_it_started_are_stopped(tmp_path):
    marker = tmp_path / "grandchild.pid"

    def hang():
        sleeper = subprocess.Popen(["sleep", "1000"])
        marker.write_text(str(sleeper.pid))
        while True:
            time.sleep(1)

    start = time.monotonic()
    with pytest.raises(ChildFailed) as info:
        call_isolated(hang, 1.5, "the test run")
    assert info.value.reason == "timeout" and "the test run did not finish within 1.5 s" in str(info.value)
    assert time.monotonic() - start < 10
    grandchild = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_crash_is_reported():
    with pytest.raises(ChildFailed) as info:
        call_isolated(lambda: os.kill(os.getpid(), signal.SIGSEGV), 30, "the test run")
    assert info.value.reason == "crash" and info.value.detail == "signal 11"


def test_user_errors_come_back_as_themselves_others_are_named():
    def unsupported():
        raise UnsupportedError("node 'x' cannot run here")

    with pytest.raises(UnsupportedError, match="node 'x' cannot run here"):
        call_isolated(unsupported, 30, "work")

    def bug():
        raise KeyError("oops")

    with pytest.raises(ChildFailed, match="work failed: KeyError: 'oops'") as info:
        call_isolated(bug, 30, "work")
    assert info.value.reason == "error"

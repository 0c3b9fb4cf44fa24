"""Run a function in a child process that can be stopped: :func:`call_isolated`.

What a C library does with a hostile input, or a simulator whose processes deadlock,
cannot be interrupted from Python in the same process. :func:`call_isolated` forks a
child in its own process group, runs the function there and waits at most ``timeout``
seconds; then it kills the whole group (the child and any process it started, such as
Lava's runtime). The function returns a JSON-ready dict and a dict of arrays; arrays
travel through an ``.npz`` file (:mod:`snncompile.npz`), the rest through a pipe as
JSON, so nothing is ever unpickled. An ``SnnCompileError`` raised in the child is raised
again in the parent, same class and message.
"""

from __future__ import annotations

import faulthandler
import json
import os
import select
import signal
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from snncompile.errors import GraphError, InputError, SnnCompileError, UnsupportedError, one_line

Work = Callable[[], tuple[dict[str, Any], Mapping[str, np.ndarray]]]

#: error classes a child's error may be raised again as (by name)
ERRORS: dict[str, type[SnnCompileError]] = {
    cls.__name__: cls for cls in (SnnCompileError, InputError, UnsupportedError, GraphError)
}


class ChildFailed(SnnCompileError):
    """The child was stopped (time limit) or died (a signal, an unexpected exception)."""

    def __init__(self, message: str, reason: str, detail: str = "") -> None:
        super().__init__(message)
        self.reason = reason  # "timeout", "crash" or "error"
        self.detail = detail  # "signal 11", the child's exception


def call_isolated(work: Work, timeout: float | None, what: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``work()`` run in a forked child, stopped after ``timeout`` seconds (None: no
    limit). Raises :class:`ChildFailed` naming ``what`` when it was stopped or died."""
    from snncompile.npz import read_npz

    with tempfile.TemporaryDirectory(prefix="snncompile-child-") as folder:
        arrays_path = os.path.join(folder, "arrays.npz")
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            _child(work, read_fd, write_fd, arrays_path)
        try:
            os.setpgid(pid, pid)  # as the child does: whichever runs first, the group exists
        except OSError:
            pass
        os.close(write_fd)
        try:
            message, status = _wait(pid, read_fd, timeout, what)
        finally:
            os.close(read_fd)
        if message is None:
            how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.WEXITSTATUS(status)}"
            raise ChildFailed(f"{what} crashed ({how})", "crash", how)
        if "error" in message:
            error = message["error"]
            cls = ERRORS.get(error.get("class") or "")
            if cls is not None:
                raise cls(error["message"])
            raise ChildFailed(f"{what} failed: {error['message']}", "error", error["message"])
        arrays = read_npz(arrays_path, "result file") if message.get("arrays") else {}
        return message["result"], arrays


def _child(work: Work, read_fd: int, write_fd: int, arrays_path: str) -> None:
    """In the child: run, report one JSON document on the pipe, leave with os._exit."""
    code = 0
    try:
        os.close(read_fd)
        os.setpgid(0, 0)  # a group of its own: the parent stops it and its children at once
        faulthandler.disable()  # a crash is the parent's to report, in one line
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        try:
            result, arrays = work()
            if arrays:
                from snncompile.npz import write_npz

                write_npz(arrays_path, arrays)
            reply: dict[str, Any] = {"result": result, "arrays": bool(arrays)}
        except SnnCompileError as exc:
            reply = {"error": {"class": type(exc).__name__, "message": str(exc)}}
        except BaseException as exc:  # noqa: B036  reported to the parent, which names it
            reply = {"error": {"class": None, "message": one_line(f"{type(exc).__name__}: {exc}")[:2000]}}
        data = json.dumps(reply).encode()
        while data:
            data = data[os.write(write_fd, data):]
    except BaseException:  # noqa: B036  the child must always reach os._exit
        code = 1
    finally:
        os._exit(code)


def _wait(pid: int, read_fd: int, timeout: float | None, what: str) -> tuple[dict[str, Any] | None, int]:
    """(the child's message or None, its wait status); kills its group on timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks = []
    try:
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            ready = select.select([read_fd], [], [], max(0.0, left) if left is not None else None)[0]
            if not ready:
                _kill_group(pid)
                os.waitpid(pid, 0)
                raise ChildFailed(f"{what} did not finish within {timeout:g} s and was stopped", "timeout")
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        if not chunks:  # Ctrl-C or a time limit outside: do not leave the child running
            _kill_group(pid)
            _reap(pid)
        raise
    _kill_group(pid)  # anything the child started and left behind (before reaping: the id stays reserved)
    _, status = os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks)), status
    except ValueError:
        return None, status


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass

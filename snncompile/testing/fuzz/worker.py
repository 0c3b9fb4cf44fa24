"""A long-lived process that runs CLI commands in-process: ``python -m
snncompile.testing.fuzz.worker``.

Requests come one JSON line at a time on stdin (``{"argv": [...], "cwd": "..."}``);
each reply is one JSON line on the file descriptor named by ``SNNCOMPILE_FUZZ_REPLY_FD``
(so nothing a command or a C library prints can corrupt it): the exit code, the captured
stdout and stderr, the traceback of any exception that escaped ``main`` and the peak
resident memory so far. The process imports snncompile once, so a case costs what its
command costs. ``SNNCOMPILE_FUZZ_MEMORY_LIMIT`` (bytes) caps its address space, so a
command that would allocate more fails here instead of exhausting the machine.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import time
import traceback
import warnings


def _limit_memory() -> None:
    limit = os.environ.get("SNNCOMPILE_FUZZ_MEMORY_LIMIT")
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))


def run_one(argv: list[str]) -> dict:
    """Run ``snncompile argv`` in this process; what happened, as a JSON-ready dict."""
    from snncompile.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    escaped = None
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: B036  (the point: anything escaping main is counted)
        escaped = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-12:])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "code": code, "stdout": out.getvalue()[-4000:], "stderr": _clip(err.getvalue()), "escaped": escaped,
        "seconds": time.perf_counter() - start,
        "rss_kb": usage.ru_maxrss, "children_rss_kb": children.ru_maxrss,
    }


def _clip(text: str, keep: int = 20000) -> str:
    """``text``, or its head and tail lines when longer (a message is judged by its lines)."""
    if len(text) <= keep:
        return text
    return "\n".join(line[:keep // 8] + (" ..." if len(line) > keep // 8 else "") for line in text.splitlines()[-40:])


def serve() -> None:
    reply_fd = int(os.environ["SNNCOMPILE_FUZZ_REPLY_FD"])
    replies = os.fdopen(reply_fd, "w", buffering=1)
    _limit_memory()
    from snncompile.cli.main import load_commands

    load_commands()
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        os.chdir(request["cwd"])
        replies.write(json.dumps(run_one(request["argv"])) + "\n")


if __name__ == "__main__":
    serve()

"""Run a campaign: cases in worker processes under a time limit, some through the CLI.

Outcomes (one per case):

- ``result``: exit 0, or a verdict (exit 2 with a result and no error on stderr: a
  ``map`` that does not fit, a ``compare`` left with one backend);
- ``clean``: exit 2 with exactly one ``snncompile CMD: error: ...`` line, last on stderr,
  and no traceback (``unnamed`` when that line names neither the hostile file nor the
  option: still one line, but not the message the guarantee asks for);
- ``usage``: argparse refused the command line (exit 2, its usage text);
- ``traceback``: an exception escaped ``main`` or a traceback was printed;
- ``bad-exit``: any other exit code or a malformed error;
- ``hang``: no answer within the time limit (the worker is killed and replaced);
- ``crash``: the worker died (a signal, or the memory cap hit outside Python);
- ``harness``: the generator itself failed (a bug of the harness, counted to be fixed).

``cli_every`` > 0 also runs every that-many-th case as ``python -m snncompile`` in a
subprocess, classified the same way (``cli_outcomes``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snncompile.testing.fuzz.cases import Case, make_case
from snncompile.testing.fuzz.seeds import make_seeds

#: the limits commands run under in a campaign (docs/robustness.md): short, so that a
#: hostile HDF5 file or factory costs seconds, not the default minutes
CAMPAIGN_ENV = {
    "SNNCOMPILE_READ_TIMEOUT": "10",
    "SNNCOMPILE_FACTORY_TIMEOUT": "10",
    "SNNCOMPILE_LAVA_TIMEOUT": "60",
    "SNNCOMPILE_MAX_ARRAY_BYTES": str(1 << 30),
}
#: per-worker address-space cap (bytes): torch, Lava and a case fit well inside
MEMORY_LIMIT = 4 << 30
BAD = ("traceback", "bad-exit", "hang", "crash", "harness")


@dataclass
class Outcome:
    case: Case
    kind: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    cases: int = 0
    outcomes: Counter = field(default_factory=Counter)
    cli_outcomes: Counter = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)
    peak_rss_kb: int = 0
    peak_case: str = ""
    seconds: float = 0.0
    by_generator: dict[str, Counter] = field(default_factory=dict)

    def add(self, outcome: Outcome, cli: bool = False) -> None:
        (self.cli_outcomes if cli else self.outcomes)[outcome.kind] += 1
        if not cli:
            key = f"{outcome.case.kind}/{outcome.case.generator}"
            self.by_generator.setdefault(key, Counter())[outcome.kind] += 1
        if outcome.kind in BAD or outcome.kind == "unnamed":
            self.failures.append(outcome)

    def bad(self) -> int:
        return sum(self.outcomes[k] + self.cli_outcomes[k] for k in BAD)

    def summary(self) -> dict[str, Any]:
        o = self.outcomes
        return {
            "cases": self.cases, "results": o["result"], "clean errors": o["clean"] + o["unnamed"] + o["usage"],
            "unnamed errors": o["unnamed"], "usage errors": o["usage"], "tracebacks": o["traceback"],
            "bad exits": o["bad-exit"], "hangs": o["hang"], "crashes": o["crash"], "harness errors": o["harness"],
            "cli cases": sum(self.cli_outcomes.values()),
            "cli bad": sum(self.cli_outcomes[k] for k in BAD),
            "peak memory MiB": round(self.peak_rss_kb / 1024, 1), "peak memory case": self.peak_case,
            "seconds": round(self.seconds, 1),
        }


def classify(case: Case, code: int | None, stderr: str, escaped: str | None) -> tuple[str, str]:
    """(outcome, detail) for one run of ``case``."""
    if escaped is not None or "Traceback (most recent call last)" in stderr:
        return "traceback", (escaped or stderr)[-3000:]
    if code == 0:
        return "result", ""
    lines = [line for line in stderr.splitlines() if line.strip()]
    command = case.argv[0]
    errors = [line for line in lines if line.startswith(f"snncompile {command}: error:")]
    if any(line.startswith("usage:") for line in lines):
        return ("usage", lines[-1]) if code == 2 else ("bad-exit", stderr[-2000:])
    if code == 2 and not errors and all(line.startswith("warning:") for line in lines):
        return "result", "a verdict (exit 2 with a result, e.g. a map that does not fit)"
    if code == 2 and len(errors) == 1 and lines[-1] == errors[0]:
        named = any(name in errors[0] for name in case.names)
        return ("clean" if named else "unnamed"), errors[0]
    return "bad-exit", f"exit {code}: {stderr[-2000:]}"


class Worker:
    """One worker process (see :mod:`.worker`)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        read_fd, write_fd = os.pipe()
        env = {**env, "SNNCOMPILE_FUZZ_REPLY_FD": str(write_fd)}
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "snncompile.testing.fuzz.worker"], stdin=subprocess.PIPE,
            stdout=self.log, stderr=self.log, env=env, pass_fds=(write_fd,), start_new_session=True)
        os.close(write_fd)
        self.replies = os.fdopen(read_fd, "r")
        self.case: Case | None = None
        self.deadline = 0.0
        self.started = 0.0
        self.ready = False

    def fileno(self) -> int:
        return self.replies.fileno()

    def send(self, case: Case, timeout: float) -> None:
        assert self.proc.stdin is not None
        self.case, self.started, self.deadline = case, time.monotonic(), time.monotonic() + timeout
        self.proc.stdin.write((json.dumps({"argv": case.argv, "cwd": str(case.folder)}) + "\n").encode())
        self.proc.stdin.flush()

    def read(self) -> dict | None:
        line = self.replies.readline()
        return json.loads(line) if line else None

    def peak_kb(self) -> int:
        """VmHWM of a live worker (for a case that never answered)."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.replies.close()
        self.log.close()


def run_cli(case: Case, env: dict[str, str], timeout: float) -> Outcome:
    """``case`` through ``python -m snncompile`` in a subprocess (in ``folder/cli``)."""
    where = case.folder / "cli"
    where.mkdir(exist_ok=True)
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "snncompile", *case.argv], cwd=where, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Outcome(case, "hang", f"no exit within {timeout:.0f} s", time.monotonic() - start)
    if proc.returncode < 0:
        return Outcome(case, "crash", f"killed by signal {-proc.returncode}: {err[-2000:]}", time.monotonic() - start)
    kind, detail = classify(case, proc.returncode, err, None)
    return Outcome(case, kind, detail, time.monotonic() - start)


def run_campaign(cases: int, seed: int = 0, workers: int = 2, timeout: float = 60.0, cli_every: int = 0,
                 workdir: str | Path | None = None, keep: str | Path | None = None, only: list[int] | None = None,
                 progress: bool = False, memory_limit: int | None = MEMORY_LIMIT) -> Report:
    """Run cases ``0..cases-1`` (or ``only``) of campaign ``seed``; see module docstring.
    Failing cases' folders are copied under ``keep`` when given."""
    owned = workdir is None
    root = Path(tempfile.mkdtemp(prefix="snncompile-fuzz-") if owned else workdir)  # type: ignore[arg-type]
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **CAMPAIGN_ENV, "PYTHONHASHSEED": "0"}
    if memory_limit:
        env["SNNCOMPILE_FUZZ_MEMORY_LIMIT"] = str(memory_limit)
    report = Report()
    start = time.monotonic()
    try:
        seeds = make_seeds(root / "seeds")
        todo = list(only) if only is not None else list(range(cases))
        report.cases = len(todo)
        pool = [Worker(env, root / f"worker{i}.log") for i in range(max(1, workers))]
        cli_jobs: list[Case] = []
        try:
            _drive(pool, todo, seeds, seed, root, timeout, report, cli_every, cli_jobs, keep, env, progress)
        finally:
            for w in pool:
                w.kill()
        for case in cli_jobs:
            outcome = run_cli(case, env, timeout)
            report.add(outcome, cli=True)
            _keep(outcome, keep)
    finally:
        report.seconds = time.monotonic() - start
        if owned:
            shutil.rmtree(root, ignore_errors=True)
    return report


def _drive(pool: list[Worker], todo: list[int], seeds: Any, seed: int, root: Path, timeout: float, report: Report,
           cli_every: int, cli_jobs: list[Case], keep: Any, env: dict[str, str], progress: bool) -> None:
    pending = list(reversed(todo))
    done = 0
    while pending or any(w.case for w in pool):
        for w in pool:
            while w.ready and w.case is None and pending:
                index = pending.pop()
                try:
                    case = make_case(seeds, seed, index, root / "cases")
                except Exception as exc:  # noqa: BLE001  a generator bug: counted, the campaign goes on
                    broken = Case(seed, index, "?", "?", "generator failed", [], root / "cases" / f"case{index}")
                    done += _finish(report, Outcome(broken, "harness", f"{type(exc).__name__}: {exc}"), None, [])
                    continue
                if cli_every and index % cli_every == cli_every - 1:
                    cli_jobs.append(case)
                w.send(case, timeout)
        waiting = [w for w in pool if w.case or not w.ready]
        if not waiting:
            continue
        now = time.monotonic()
        wait = max(0.0, min((w.deadline for w in waiting if w.case), default=now + 120) - now)
        readable, _, _ = select.select(waiting, [], [], min(wait, 120))
        for w in readable:
            reply = w.read()
            if reply is None:  # the worker died
                if w.case is not None:
                    outcome = Outcome(w.case, "crash", f"worker exit {w.proc.poll()}", time.monotonic() - w.started)
                    done += _finish(report, outcome, keep, cli_jobs)
                pool[pool.index(w)] = _replace(w, env, root)
                continue
            if reply.get("ready"):
                w.ready = True
                continue
            assert w.case is not None
            kind, detail = classify(w.case, reply["code"], reply["stderr"], reply["escaped"])
            rss = max(reply["rss_kb"], reply["children_rss_kb"])
            if rss > report.peak_rss_kb:
                report.peak_rss_kb, report.peak_case = rss, w.case.label()
            done += _finish(report, Outcome(w.case, kind, detail, reply["seconds"]), keep, cli_jobs)
            w.case = None
        for w in list(pool):
            if w.case is not None and time.monotonic() > w.deadline:
                rss = w.peak_kb()
                if rss > report.peak_rss_kb:
                    report.peak_rss_kb, report.peak_case = rss, w.case.label()
                done += _finish(report, Outcome(w.case, "hang", f"no answer within {timeout:.0f} s", timeout),
                                keep, cli_jobs)
                pool[pool.index(w)] = _replace(w, env, root)
        if progress and done and done % 100 == 0:
            print(f"  {done} cases: {dict(report.outcomes)}", file=sys.stderr, flush=True)


def _replace(w: Worker, env: dict[str, str], root: Path) -> Worker:
    w.kill()
    return Worker(env, root / f"worker-{w.proc.pid}.log")


def _finish(report: Report, outcome: Outcome, keep: Any, cli_jobs: list[Case]) -> int:
    report.add(outcome)
    _keep(outcome, keep)
    if outcome.case not in cli_jobs and outcome.kind not in BAD:
        shutil.rmtree(outcome.case.folder, ignore_errors=True)
    return 1


def _keep(outcome: Outcome, keep: Any) -> None:
    if keep is None or outcome.kind not in (*BAD, "unnamed"):
        return
    target = Path(keep) / f"case{outcome.case.seed}-{outcome.case.index}"
    shutil.copytree(outcome.case.folder, target, dirs_exist_ok=True)
    (target / "case.json").write_text(json.dumps({
        "label": outcome.case.label(), "argv": outcome.case.argv, "outcome": outcome.kind, "detail": outcome.detail,
    }, indent=1))

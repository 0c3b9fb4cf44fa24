"""Run a campaign: cases in worker processes under a time limit, some through the CLI.

Outcomes (one per case):

- ``result``: exit 0, or a verdict (exit 2 with a result and no error on stderr: a
  ``map`` that does not fit, a ``compare`` left with one backend);
- ``clean``: exit 2 with exactly one ``snncompile CMD: error: ...`` line, last on stderr,
  and no traceback (``unnamed`` when that line names no file the command was given and
  not the option: still one line, but not the message the guarantee asks for);
- ``usage``: argparse refused the command line (exit 2, its usage text);
- ``traceback``: an exception escaped ``main`` or a traceback was printed;
- ``bad-exit``: any other exit code or a malformed error;
- ``hang``: no answer within the time limit (the worker is killed and replaced);
- ``crash``: the worker died (a signal, or the memory cap hit outside Python);
- ``harness``: the generator itself failed (a bug of the harness, counted to be fixed).

``cli_every`` > 0 also runs every that-many-th case as ``python -m snncompile`` in a
subprocess (one at a time, alongside the workers), classified the same way
(``cli_outcomes``).
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

import numpy as np

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
        given = [Path(a.split(":")[0]).name for a in case.argv if "/" in a]  # the files the command was given
        named = any(name in errors[0] for name in [*case.names, *given])
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


class CliQueue:
    """Cases that also run through ``python -m snncompile``, one subprocess at a time,
    alongside the workers (each in ``folder/cli``)."""

    def __init__(self, env: dict[str, str], timeout: float) -> None:
        self.env, self.timeout = env, timeout
        self.waiting: list[Case] = []
        self.running: tuple[Case, subprocess.Popen, float] | None = None
        self.cases: set[int] = set()

    def submit(self, case: Case) -> None:
        self.waiting.append(case)
        self.cases.add(case.index)

    def busy(self) -> bool:
        return bool(self.waiting or self.running)

    def poll(self, report: Report, keep: Any) -> None:
        """Record a finished (or overdue) run; start the next."""
        if self.running is not None:
            case, proc, started = self.running
            overdue = time.monotonic() - started > self.timeout
            if proc.poll() is None and not overdue:
                return
            self.running = None
            outcome = self._outcome(case, proc, started, overdue)
            report.add(outcome, cli=True)
            _keep(outcome, keep)  # its folder stays (the in-process run may still use it)
        if self.waiting:
            case = self.waiting.pop(0)
            where = case.folder / "cli"
            where.mkdir(parents=True, exist_ok=True)
            proc = subprocess.Popen([sys.executable, "-m", "snncompile", *case.argv], cwd=where, env=self.env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
            self.running = (case, proc, time.monotonic())

    def _outcome(self, case: Case, proc: subprocess.Popen, started: float, overdue: bool) -> Outcome:
        seconds = time.monotonic() - started
        if overdue and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return Outcome(case, "hang", f"no exit within {self.timeout:.0f} s (through the CLI)", seconds)
        _, err = proc.communicate()
        if proc.returncode < 0:
            return Outcome(case, "crash", f"killed by signal {-proc.returncode}: {err[-2000:]}", seconds)
        kind, detail = classify(case, proc.returncode, err, None)
        return Outcome(case, kind, detail, seconds)

    def drain(self, report: Report, keep: Any) -> None:
        while self.busy():
            self.poll(report, keep)
            time.sleep(0.05)


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
        warm_emulator(seeds)
        todo = list(only) if only is not None else list(range(cases))
        report.cases = len(todo)
        campaign = _Campaign(seeds, seed, root, timeout, report, keep, env, progress)
        campaign.cli_every = cli_every
        try:
            campaign.drive([Worker(env, root / f"worker{i}.log") for i in range(max(1, workers))], todo)
        finally:
            campaign.close()
        campaign.cli.drain(report, keep)
    finally:
        report.seconds = time.monotonic() - start
        if owned:
            shutil.rmtree(root, ignore_errors=True)
    return report


def warm_emulator(seeds: Any) -> None:
    """Compile the emulator's kernels for every input dtype it reads as it is, before any
    case is timed: numba compiles the fused kernel once per input dtype (cached on disk
    after), which under a loaded machine took longer than a case's time limit the first
    time a hostile input arrived as uint8 — a compile, not a hang."""
    from snncompile.compile import load_artifact
    from snncompile.emulator.run import _NARROW_INPUTS
    from snncompile.simulate import get_backend

    emulator = get_backend("emulator")
    for net in ("dense", "conv"):
        graph = load_artifact(seeds.files["snnc"][net]).fixed
        with np.load(seeds.files["npz"][net], allow_pickle=False) as data:
            x = data["input"]
        for char in sorted(_NARROW_INPUTS):
            emulator.run(graph, x.astype(np.dtype(char)), steps=2)


class _Campaign:
    """The loop: hand cases to free workers, collect answers, replace dead or hung ones."""

    def __init__(self, seeds: Any, seed: int, root: Path, timeout: float, report: Report, keep: Any,
                 env: dict[str, str], progress: bool) -> None:
        self.seeds, self.seed, self.root, self.timeout = seeds, seed, root, timeout
        self.report, self.keep, self.env, self.progress = report, keep, env, progress
        self.cli = CliQueue(env, timeout)
        self.cli_every = 0
        self.pool: list[Worker] = []
        self.done = 0

    def drive(self, pool: list[Worker], todo: list[int]) -> None:
        self.pool = pool
        pending = list(reversed(todo))
        while pending or any(w.case for w in self.pool):
            for w in self.pool:
                while w.ready and w.case is None and pending:
                    case = self._make(pending.pop())
                    if case is not None:
                        w.send(case, self.timeout)
            self.cli.poll(self.report, self.keep)
            waiting = [w for w in self.pool if w.case or not w.ready]
            if waiting:
                self._collect(waiting)
            self._stop_overdue()

    def _make(self, index: int) -> Case | None:
        try:
            case = make_case(self.seeds, self.seed, index, self.root / "cases")
        except Exception as exc:  # noqa: BLE001  a generator bug: counted, the campaign goes on
            broken = Case(self.seed, index, "?", "?", "generator failed", [], self.root / "cases" / f"case{index}")
            self._finish(Outcome(broken, "harness", f"{type(exc).__name__}: {exc}"))
            return None
        if self.cli_every and index % self.cli_every == self.cli_every - 1:
            self.cli.submit(case)
        return case

    def _collect(self, waiting: list[Worker]) -> None:
        now = time.monotonic()
        wait = min((w.deadline for w in waiting if w.case), default=now + 5) - now
        readable, _, _ = select.select(waiting, [], [], max(0.0, min(wait, 1.0 if self.cli.busy() else 5.0)))
        for w in readable:
            reply = w.read()
            if reply is None:  # the worker died
                if w.case is not None:
                    self._finish(Outcome(w.case, "crash", f"worker exit {w.proc.poll()}", now - w.started))
                self._replace(w)
            elif reply.get("ready"):
                w.ready = True
            elif w.case is not None:
                kind, detail = classify(w.case, reply["code"], reply["stderr"], reply["escaped"])
                self._peak(max(reply["rss_kb"], reply["children_rss_kb"]), w.case)
                self._finish(Outcome(w.case, kind, detail, reply["seconds"]))
                w.case = None

    def _stop_overdue(self) -> None:
        for w in list(self.pool):
            if w.case is not None and time.monotonic() > w.deadline:
                self._peak(w.peak_kb(), w.case)
                self._finish(Outcome(w.case, "hang", f"no answer within {self.timeout:.0f} s", self.timeout))
                self._replace(w)

    def _peak(self, rss_kb: int, case: Case) -> None:
        if rss_kb > self.report.peak_rss_kb:
            self.report.peak_rss_kb, self.report.peak_case = rss_kb, case.label()

    def _replace(self, w: Worker) -> None:
        w.kill()
        self.pool[self.pool.index(w)] = Worker(self.env, self.root / f"worker-{w.proc.pid}.log")

    def _finish(self, outcome: Outcome) -> None:
        self.report.add(outcome)
        _keep(outcome, self.keep)
        if outcome.case.index not in self.cli.cases and outcome.kind not in BAD:
            shutil.rmtree(outcome.case.folder, ignore_errors=True)
        self.done += 1
        if self.progress and self.done % 100 == 0:
            print(f"  {self.done} cases: {dict(self.report.outcomes)}", file=sys.stderr, flush=True)

    def close(self) -> None:
        for w in self.pool:
            w.kill()


def _keep(outcome: Outcome, keep: Any) -> None:
    if keep is None or outcome.kind not in (*BAD, "unnamed"):
        return
    target = Path(keep) / f"case{outcome.case.seed}-{outcome.case.index}"
    if outcome.case.folder.exists():
        shutil.copytree(outcome.case.folder, target, dirs_exist_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    (target / "case.json").write_text(json.dumps({
        "label": outcome.case.label(), "argv": outcome.case.argv, "outcome": outcome.kind, "detail": outcome.detail,
    }, indent=1))

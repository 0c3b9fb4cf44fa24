"""Mutation testing of the core with cosmic-ray (``make mutation``).

For each module of ``benchmarks/mutation.toml`` cosmic-ray changes the code one
operator at a time (``+`` to ``-``, ``<`` to ``<=``, a constant by one, a loop to zero
iterations, ...) and runs the module's own fast tests on the mutant; a mutant is
*killed* when they fail, *survived* when they pass. The work happens in a copy of the
tracked files (``.mutation/tree``), never in the checkout. A survivor is either killed by
a new test or listed under ``[[equivalent]]`` with the reason it cannot change
behaviour; the score is ``killed / (mutants - equivalent)``.

    python -m benchmarks.mutation [--module PATH ...] [--write-docs]

Per-module results are kept in ``.mutation/<module>.sqlite`` (cosmic-ray sessions; an
``--resume`` continues an interrupted run; ``--recheck`` runs the survivors again) and summarised in ``.mutation/summary.json``; ``--write-docs``
writes the score table and the survivors into docs/mutation.md
(benchmarks/doc_tables.py). ``--report`` prints the summary of the stored sessions
without running anything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "benchmarks" / "mutation.toml"
WORK = ROOT / ".mutation"
BIN = Path(sys.executable).parent
TIMEOUT_S = 120.0
SAMPLED_OUT = "sampled out"


def load() -> dict:
    return tomllib.loads(CONFIG.read_text())


def copy_tree(tree: Path) -> None:
    """The tracked files (and uncommitted edits to them) into ``tree``."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    if tree.exists():
        shutil.rmtree(tree)
    for name in files:
        if name.startswith(".mutation/") or not (ROOT / name).is_file():
            continue
        target = tree / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def slug(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def test_command(module: dict) -> str:
    env = "NUMBA_DISABLE_JIT=1 " if module.get("nojit") else ""
    tests = " ".join(module["tests"])
    # ``deselect``: tests left out, such as Lava's runs (slow; a mutant should die without them)
    skip = "".join(f" --deselect {t}" for t in module.get("deselect", []))
    return (f"env {env}OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 {BIN / 'python'} -m pytest -x -q -p no:cacheprovider"
            f"{skip} {tests}")


def session_config(module: dict, operators: list[str], all_operators: list[str]) -> Path:
    excluded = [f"{op}$" for op in all_operators if op not in operators]
    text = "\n".join([
        "[cosmic-ray]",
        f"module-path = {json.dumps(module['path'])}",
        f"timeout = {TIMEOUT_S}",
        "excluded-modules = []",
        f"test-command = {json.dumps(test_command(module))}",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(excluded)}",
        "",
    ])
    path = WORK / f"{slug(module['path'])}.toml"
    path.write_text(text)
    return path


def init_session(module: dict, config: Path, db: Path, tree: Path) -> None:
    """A new cosmic-ray session: every mutant of the module, the excluded operators
    marked skipped."""
    subprocess.run([BIN / "cosmic-ray", "init", config, db], cwd=tree, check=True)
    subprocess.run([BIN / "cr-filter-operators", db, config], cwd=tree, check=True)


def run_module(module: dict, operators: list[str], all_operators: list[str], resume: bool) -> None:
    """Mutate one module in its own copy of the tree (modules run side by side)."""
    config = session_config(module, operators, all_operators)
    db = WORK / f"{slug(module['path'])}.sqlite"
    tree = WORK / "trees" / slug(module["path"])
    copy_tree(tree)
    if db.exists() and not resume:
        db.unlink()
    if not db.exists():
        init_session(module, config, db, tree)
        if module.get("sample", 1.0) < 1.0:
            sample(db, module["sample"])
    print(f"--- {module['path']}: {test_command(module)}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([BIN / "cosmic-ray", "exec", config, db], cwd=tree, check=True, env=env)
    print(f"--- {module['path']} done", flush=True)


def change_of(source: str, operator_name: str, args: dict, occurrence: int) -> tuple[str, ...] | None:
    """What a mutant changes: its diff's lines with three lines of context, without line
    numbers (None when the operator finds no such occurrence)."""
    import difflib

    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    mutated = mutate_code(source, get_operator(operator_name)(**args), occurrence)
    if mutated is None:
        return None
    diff = difflib.unified_diff(source.split("\n"), mutated.split("\n"), lineterm="")
    return tuple(d for d in diff if not d.startswith(("---", "+++", "@@")))


def carry_over(module: dict, operators: list[str], all_operators: list[str], commit: str) -> None:
    """After an edit of the module that changes no behaviour (dead code deleted, code
    moved), whose tests are unchanged: a new session on the current code that keeps the
    stored outcome of every mutant making the same change as before (the same operator
    and the same diff, context included, at any line). Mutants of removed code are
    dropped; new ones are left unfinished. ``commit`` holds the code the stored session
    mutated; the old session is kept as ``.mutation/<module>.before.sqlite``."""
    from cosmic_ray.mutating import _make_diff, mutate_code
    from cosmic_ray.plugins import get_operator
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    path = module["path"]
    db = WORK / f"{slug(path)}.sqlite"
    before = db.with_suffix(".before.sqlite")
    shutil.copy2(db, before)
    old_source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True,
                                text=True).stdout
    stored: dict[tuple, list[WorkResult]] = {}
    with use_db(str(before), WorkDB.Mode.open) as work:
        done = {item.job_id: result for item, result in work.completed_work_items}
        for item in work.work_items:
            m, result = item.mutations[0], done.get(item.job_id)
            if result is None or (result.worker_outcome == WorkerOutcome.SKIPPED and result.output != SAMPLED_OUT):
                continue   # unfinished, or an operator mutation.toml leaves out
            key = (m.operator_name, change_of(old_source, m.operator_name, m.operator_args, m.occurrence))
            stored.setdefault(key, []).append(result)
    config = session_config(module, operators, all_operators)
    tree = WORK / "trees" / slug(path)
    copy_tree(tree)
    db.unlink()
    init_session(module, config, db, tree)
    source = (ROOT / path).read_text()
    carried, new = 0, []
    with use_db(str(db), WorkDB.Mode.open) as work:
        for item in list(work.pending_work_items):
            m = item.mutations[0]
            mutated_key = (m.operator_name, change_of(source, m.operator_name, m.operator_args, m.occurrence))
            if not stored.get(mutated_key):
                new.append(f"{path}:{m.start_pos[0]} {m.operator_name}")
                continue
            result = stored[mutated_key].pop(0)
            if result.diff:
                mutated = mutate_code(source, get_operator(m.operator_name)(**m.operator_args), m.occurrence)
                result = WorkResult(worker_outcome=result.worker_outcome, output=result.output,
                                    test_outcome=result.test_outcome, diff="\n".join(_make_diff(source, mutated, path)))
            work.set_result(item.job_id, result)
            carried += 1
    def outcome(r: WorkResult) -> str:
        return SAMPLED_OUT if r.output == SAMPLED_OUT else str(r.test_outcome)

    dropped = [f"{op}: {' / '.join(d for d in change or () if d[:1] in '-+')} ({outcome(r)})"
               for (op, change), rs in stored.items() for r in rs]
    print(f"--- {path}: {carried} outcomes carried over from {commit}; {len(dropped)} mutants of code no longer "
          f"there dropped; {len(new)} new mutants left unfinished", flush=True)
    for line in dropped + new:
        print("   ", line, flush=True)


def recheck(module: dict, equivalent: list[dict]) -> None:
    """Run the stored survivors of a module again (after new tests), in a fresh copy."""
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    db = WORK / f"{slug(module['path'])}.sqlite"
    tree = WORK / "trees" / slug(module["path"])
    copy_tree(tree)
    here, path = os.getcwd(), os.environ.get("PYTHONPATH")
    os.chdir(tree)
    os.environ["PYTHONPATH"] = str(tree)
    try:
        with use_db(str(db), WorkDB.Mode.open) as work:
            for item, result in list(work.completed_work_items):
                if result.test_outcome != TestOutcome.SURVIVED or any(
                        e["module"] == module["path"] and e["operator"] == item.mutations[0].operator_name
                        and e["mutant"] == mutant_line(result.diff or "") for e in equivalent):
                    continue
                new = mutate_and_test(item.mutations, test_command(module), TIMEOUT_S)
                work.set_result(item.job_id, new)
                m = item.mutations[0]
                print(f"{module['path']}:{m.start_pos[0]} {m.operator_name}: {new.test_outcome}", flush=True)
    finally:
        os.chdir(here)
        if path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = path


def mutated_line(module_path: str, start_line: int) -> str:
    lines = (ROOT / module_path).read_text().splitlines()
    return lines[start_line - 1].strip() if start_line <= len(lines) else ""


def sample(db: Path, fraction: float) -> None:
    """Run only a seeded random ``fraction`` of a module's mutants (the others are marked
    skipped, "sampled out", and reported as such)."""
    import random

    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(db), WorkDB.Mode.open) as work:
        pending = sorted(item.job_id for item in work.pending_work_items)
        rng = random.Random(0)
        out = [j for j in pending if rng.random() >= fraction]
        work.set_multiple_results(out, WorkResult(output=SAMPLED_OUT, worker_outcome=WorkerOutcome.SKIPPED))


def extend(module: dict, count: int) -> None:
    """Draw ``count`` more of a module's sampled-out mutants (seeded, in job order) and
    leave them unfinished, for the run that follows to execute."""
    import random
    import sqlite3

    from cosmic_ray.work_db import WorkDB, use_db

    db = WORK / f"{slug(module['path'])}.sqlite"
    with use_db(str(db), WorkDB.Mode.open) as work:
        out = sorted(item.job_id for item, result in work.completed_work_items if result.output == SAMPLED_OUT)
        drawn = random.Random(len(out)).sample(out, min(count, len(out)))
    with sqlite3.connect(db) as con:
        con.executemany("DELETE FROM work_results WHERE job_id = ?", [(j,) for j in drawn])
    print(f"--- {module['path']}: {len(drawn)} of {len(out)} sampled-out mutants drawn to run", flush=True)


def mutant_line(diff: str) -> str:
    """The mutated line of a cosmic-ray diff (its first added line), stripped."""
    return next((d[1:].strip() for d in diff.splitlines() if d.startswith("+") and not d.startswith("+++")), "")


def results(module: dict, equivalent: list[dict]) -> dict:
    """Counts and survivors of one module's stored session."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    db = WORK / f"{slug(module['path'])}.sqlite"
    counts = {"mutants": 0, "killed": 0, "survived": 0, "equivalent": 0, "pending": 0, "sampled out": 0}
    survivors = []
    if not db.exists():
        return {"counts": counts, "survivors": survivors}
    with use_db(str(db), WorkDB.Mode.open) as work:
        done = {item.job_id: result for item, result in work.completed_work_items}
        for item in work.work_items:
            result = done.get(item.job_id)
            if result is not None and result.worker_outcome == WorkerOutcome.SKIPPED:
                if result.output == SAMPLED_OUT:
                    counts["mutants"] += 1
                    counts["sampled out"] += 1
                continue
            counts["mutants"] += 1
            if result is None:
                counts["pending"] += 1
                continue
            if result.test_outcome != TestOutcome.SURVIVED:
                counts["killed"] += 1   # tests failed, crashed or timed out
                continue
            mutation = item.mutations[0]
            line = mutated_line(module["path"], mutation.start_pos[0])
            mutant = mutant_line(result.diff or "")
            why = next((e["reason"] for e in equivalent if e["module"] == module["path"]
                        and e["operator"] == mutation.operator_name and e["mutant"] == mutant), None)
            counts["equivalent" if why else "survived"] += 1
            survivors.append({"line_no": mutation.start_pos[0], "line": line, "mutant": mutant,
                              "operator": mutation.operator_name,
                              "occurrence": mutation.occurrence, "equivalent": why, "diff": result.diff})
    return {"counts": counts, "survivors": survivors}


def score(c: dict) -> str:
    live = c["mutants"] - c["equivalent"] - c["pending"] - c["sampled out"]
    return f"{100 * c['killed'] / live:.1f} %" if live else "-"


def summarise(config: dict, modules: list[dict]) -> dict:
    summary = {m["path"]: results(m, config.get("equivalent", [])) for m in modules}
    (WORK / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def table(summary: dict) -> str:
    from benchmarks.doc_tables import markdown_table

    total = {k: sum(s["counts"][k] for s in summary.values()) for k in next(iter(summary.values()))["counts"]}
    def cells(c: dict) -> list[str]:
        return [str(c["mutants"]), f"{c['sampled out']} + {c['pending']}",
                *(str(c[k]) for k in ("killed", "equivalent", "survived"))]

    rows = [[f"`{path}`", *cells(s["counts"]), score(s["counts"])] for path, s in summary.items()]
    rows.append(["**all**", *cells(total), f"**{score(total)}**"])
    text = markdown_table(["module", "mutants", "not run (sampled out + unfinished)", "killed", "equivalent",
                           "survived", "score"], rows)
    listed = [[f"`{path}`", str(v["line_no"]), f"`{v['line']}` → `{v['mutant']}`",
               v["equivalent"] or "**survived**"]
              for path, s in summary.items() for v in s["survivors"]]
    if listed:
        text += "\n\nSurvivors:\n\n" + markdown_table(["module", "line", "code → mutant", "equivalent because"], listed)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="only these modules (paths as in mutation.toml)")
    parser.add_argument("--jobs", type=int, default=1, help="modules mutated side by side")
    parser.add_argument("--resume", action="store_true", help="continue the stored sessions")
    parser.add_argument("--recheck", action="store_true", help="run the stored survivors again (after new tests)")
    parser.add_argument("--extend", type=int, metavar="N",
                        help="run N more of each module's sampled-out mutants (continues the stored sessions)")
    parser.add_argument("--report", action="store_true", help="summarise the stored sessions, run nothing")
    parser.add_argument("--carry-over", metavar="COMMIT",
                        help="after an edit that changes no behaviour: new sessions on the current code keeping the "
                             "outcomes of unchanged mutants (COMMIT: the code the stored sessions mutated)")
    parser.add_argument("--write-docs", action="store_true", help="write the score table into docs/mutation.md")
    args = parser.parse_args()
    config = load()
    modules = [m for m in config["module"] if not args.module or m["path"] in args.module]
    if args.carry_over:
        from cosmic_ray.plugins import operator_names

        for module in modules:
            carry_over(module, config["operators"], sorted(operator_names()), args.carry_over)
    elif args.recheck:
        for module in modules:
            recheck(module, config.get("equivalent", []))
    elif not args.report:
        from cosmic_ray.plugins import operator_names

        WORK.mkdir(exist_ok=True)
        if args.extend:
            for module in modules:
                extend(module, args.extend)
        everything = sorted(operator_names())
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda m: run_module(m, config["operators"], everything, args.resume or bool(args.extend)),
                          modules))
    summary = summarise(config, config["module"])
    print(table(summary))
    if args.write_docs:
        from benchmarks.doc_tables import write_block

        flags = ("".join(f" --module {m}" for m in args.module or []) + (" --recheck" if args.recheck else "")
                 + (" --report" if args.report else "")
                 + (f" --carry-over {args.carry_over}" if args.carry_over else "")
                 + (f" --extend {args.extend}" if args.extend else ""))
        write_block("mutation.md", "mutation", table(summary), f"python -m benchmarks.mutation{flags} --write-docs")


if __name__ == "__main__":
    main()

"""The fixed-seed fuzz subset of ``make test`` (issue 13): 500 hostile inputs for every
file the CLI reads, each command run in-process in worker processes and every 125th also
through ``python -m snncompile``. Every case ends in a result or a one-line error naming
the hostile file (or option), exit 2: no traceback, no hang, no crash.
The long campaign is ``python -m benchmarks.fuzz --cases 10000`` (docs/robustness.md)."""

from snncompile.testing.fuzz.cases import KIND_WEIGHTS
from snncompile.testing.fuzz.runner import run_campaign


def test_500_hostile_inputs_end_in_results_or_named_one_line_errors(tmp_path):
    report = run_campaign(500, seed=0, workers=2, timeout=60, cli_every=125, workdir=tmp_path / "work",
                          keep=tmp_path / "failures")
    failures = "\n".join(f"{f.kind}: {f.case.label()}\n  argv: {' '.join(f.case.argv)}\n  {f.detail[-800:]}"
                         for f in report.failures)
    assert report.cases == 500
    assert report.bad() == 0 and report.outcomes["unnamed"] == 0, failures
    assert sum(report.cli_outcomes.values()) == 4
    assert report.outcomes["result"] > 50 and report.outcomes["clean"] > 250  # both kinds of ending are exercised
    assert {key.split("/")[0] for key in report.by_generator} == set(KIND_WEIGHTS)

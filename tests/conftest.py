"""Project-wide test settings.

Tests that need an optional package (Lava, snnTorch, SpikingJelly, Norse, NeuroBench,
sinabs) skip when it is missing, so a user's own environment can run the rest. ``make
test`` installs every one of them and sets ``SNNCOMPILE_REQUIRE_OPTIONAL=1``: there, a
skip means a broken install, and it is reported as a failure instead of passing quietly.
"""

import os

import pytest

# Ray clusters the tests start stay on the loopback address (Ray reads this on import;
# by default a node takes the machine's network address)
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

REQUIRE_OPTIONAL = os.environ.get("SNNCOMPILE_REQUIRE_OPTIONAL") == "1"
WHY = "skipped although SNNCOMPILE_REQUIRE_OPTIONAL=1 (make test installs every optional package)"


def _fail_skip(report) -> None:
    if REQUIRE_OPTIONAL and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{WHY}: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip(outcome.get_result())

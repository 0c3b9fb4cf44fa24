"""``snncompile zoo``: the listing, and its one-line errors (the table itself is tested
in tests/zoo/test_table.py)."""

import json

import pytest

pytest.importorskip("spikingjelly")
pytestmark = pytest.mark.frameworks


def test_lists_every_registered_network(run_cli):
    from snncompile.zoo.models import ZOO

    code, out, _ = run_cli("zoo")
    assert code == 0 and all(f"zoo:{name} " in out for name in ZOO)
    code, out, _ = run_cli("zoo", "--json")
    assert code == 0 and list(json.loads(out)["networks"]) == list(ZOO)


@pytest.mark.parametrize("argv,message", [
    (["--write", "x.md"], "--write: give --table"),
    (["--check"], "--check: give --measure"),
    (["--measure", "nope"], "unknown zoo network"),
])
def test_bad_options_are_one_line_errors(run_cli, argv, message):
    code, _, err = run_cli("zoo", *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1

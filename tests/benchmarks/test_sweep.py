"""The sweep loop the differential benchmarks share (benchmarks/sweep.py): equal runs give
no mismatch and count every compared value, a differing executor is listed, and a failure
of the other executor is recorded only when asked."""

from __future__ import annotations

import pytest

from benchmarks.sweep import sweep
from snncompile.emulator import emulate
from snncompile.testing.fixed_graphs import fixed_cases

RECORD = dict(record="neurons", membranes="neurons", currents="neurons")


def _emulator(case):
    return emulate(case.graph, case.inputs, **RECORD)


def _features(case, emu):
    return {"any": True, "neurons": sum(a.shape[-1] for a in emu.membranes.values())}


def test_equal_executors_match_and_every_value_is_counted():
    s = sweep(fixed_cases(max_steps=6), 4, 0, _emulator, RECORD, _features)
    assert (s.cases, s.mismatching, s.errors) == (4, [], [])
    assert s.exercised["any"] == 4 and s.exercised["neurons"] >= 4
    assert s.values_compared > 0


def test_a_differing_executor_is_listed():
    def off_by_one(case):
        result = _emulator(case)
        for name in result.membranes:
            result.membranes[name] = result.membranes[name] + 1
        return result

    s = sweep(fixed_cases(max_steps=6), 3, 0, off_by_one, RECORD, _features)
    assert len(s.mismatching) == 3


def test_failures_are_recorded_only_when_named():
    def broken(case):
        raise RuntimeError("executor down")

    s = sweep(fixed_cases(max_steps=6), 2, 0, broken, RECORD, _features, failures=(RuntimeError,))
    assert s.cases == 0 and len(s.errors) == 2 and "executor down" in s.errors[0]
    with pytest.raises(RuntimeError):
        sweep(fixed_cases(max_steps=6), 2, 0, broken, RECORD, _features)

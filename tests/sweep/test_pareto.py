from snncompile.sweep.pareto import best_per_target, mark, pareto_front


def row(cell, target, acc, energy, latency=1.0, bits=8, status="ok"):
    return {"cell": cell, "target": target, "accuracy": acc, "energy_j": energy, "latency_s": latency,
            "weight_bits": bits, "status": status}


ROWS = [
    row("a4", "a", 0.5, 1.0, bits=4),
    row("a6", "a", 0.9, 2.0, bits=6),
    row("a8", "a", 0.9, 3.0, bits=8),  # dominated by a6 (same accuracy, more energy)
    row("b4", "b", 0.95, 2.5, bits=4),
    row("b8", "b", 0.95, None, bits=8),  # energy unknown: not on the front
    row("c8", "c", None, None, status="skipped"),
]


def test_front_keeps_only_cells_nothing_beats_on_accuracy_and_energy():
    assert pareto_front(ROWS) == ["a4", "a6", "b4"]


def test_best_per_target_breaks_ties_by_energy_then_latency_then_bits():
    assert best_per_target(ROWS) == {"a": "a6", "b": "b4"}
    tie = [row("x4", "x", 0.9, 1.0, 2.0, 4), row("x6", "x", 0.9, 1.0, 1.0, 6), row("x8", "x", 0.9, 1.0, 1.0, 8)]
    assert best_per_target(tie) == {"x": "x6"}


def test_mark_sets_both_flags():
    marked = {r["cell"]: (r["pareto"], r["best"]) for r in mark(ROWS)}
    assert marked["a6"] == (True, True) and marked["a8"] == (False, False) and marked["c8"] == (False, False)

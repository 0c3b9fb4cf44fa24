from snncompile.sweep import Cell, grid, unsupported


def test_grid_is_every_combination_targets_outermost():
    cells = grid(["loihi", "loihi2"], [4, 8], [False, True])
    assert [c.id for c in cells] == ["loihi-w4", "loihi-w4-split", "loihi-w8", "loihi-w8-split",
                                     "loihi2-w4", "loihi2-w4-split", "loihi2-w8", "loihi2-w8-split"]
    assert Cell("/x/my chip.toml", 6, rounding="trunc").id == "my_chip-w6-trunc"


def test_cells_a_target_cannot_take_say_why():
    assert unsupported(Cell("loihi", 8)) is None
    assert unsupported(Cell("loihi", 9)) == "loihi holds at most 8 weight mantissa bits"
    assert unsupported(Cell("cortex-m4", 8)) is None  # the generated C's convention
    assert "paper-45nm" in unsupported(Cell("paper-45nm", 8))  # an accounting method has no integer convention

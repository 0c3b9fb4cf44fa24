"""Sweep design choices: compile a network for targets x weight bits x options, evaluate
every cell over a data set (on Ray when asked), and write the table, the Pareto plot and
each cell's artifact (:mod:`snncompile.sweep.run`)."""

from __future__ import annotations

from snncompile.sweep.grid import Cell, grid, unsupported
from snncompile.sweep.pareto import best_per_target, pareto_front
from snncompile.sweep.run import SweepResult, SweepRun, run_sweep

__all__ = ["Cell", "SweepResult", "SweepRun", "best_per_target", "grid", "pareto_front", "run_sweep", "unsupported"]

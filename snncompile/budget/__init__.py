"""Error budgets: where a compiled network's difference from its float model comes from.

:mod:`~snncompile.budget.measure` measures one (``measure_budget``), the sources are
declared in :mod:`~snncompile.budget.sources`, the emulator that switches them is
:mod:`~snncompile.budget.ideal`, the exact parameters it uses come from
:mod:`~snncompile.budget.exact`; the record is :mod:`~snncompile.budget.record` (the
only module imported here, so that reports can hold a budget without importing the
quantizer).
"""

from snncompile.budget.record import ErrorBudget, LayerBudget

__all__ = ["ErrorBudget", "LayerBudget"]

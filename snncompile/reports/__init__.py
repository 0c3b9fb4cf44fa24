"""Reports about a compilation: the quantization report (its record,
:mod:`~snncompile.reports.quantization`; how it is filled,
:mod:`~snncompile.reports.build_quantization`) and the rendering of reports and error
budgets as text (:mod:`~snncompile.reports.render`)."""

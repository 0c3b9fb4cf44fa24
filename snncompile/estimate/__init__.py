"""Estimates: NeuroBench-named metrics from recorded activity, energy and latency per
target. Estimates are data (frozen records with their figures and assumptions);
rendering lives in :mod:`snncompile.estimate.render`."""

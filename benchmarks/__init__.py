"""Benchmarks: speed measured against baselines in the same run (not timed tests)."""

"""Reference networks built by hand from published weights (for estimates, docs, tests)."""

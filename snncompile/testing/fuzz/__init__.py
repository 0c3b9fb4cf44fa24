"""A fuzzing harness for every file the CLI reads (issue 13).

- :mod:`.seeds` writes small valid files of every kind (``.nir``, ``.snnir``, ``.snnc``,
  ``.net``, input ``.npz``, target ``.toml``, ``file.py:factory`` with weights);
- :mod:`.generators` turns a seed into a hostile variant (byte flips, truncation, HDF5
  and archive structure edits, absurd values, factories that raise or loop), one
  registry of named generators per file kind;
- :mod:`.cases` draws cases (a generated file and a command line that reads it) from a
  campaign seed, deterministically;
- :mod:`.runner` drives the commands in-process in long-lived worker processes
  (:mod:`.worker`) under a time limit per case, and some through the CLI as a
  subprocess, and counts outcomes: results, clean errors, tracebacks, hangs, crashes,
  peak memory.

``python -m benchmarks.fuzz --cases 10000`` runs the long campaign; ``make test`` a
fixed-seed subset (tests/testing/fuzz).
"""

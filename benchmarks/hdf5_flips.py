"""Why ``.nir`` and ``.net`` files are walked in a child process first (docs/robustness.md):
byte-flipped copies of the NIR paper's Braille RNN through ``snncompile.hdf5check``.

    python -m benchmarks.hdf5_flips [--variants 13696] [--timeout 10] [--write-docs]

Variant ``i`` is ``snncompile.testing.fuzz.bytelevel.flip_bytes`` with the generator
seeded ``[7, i]`` (1-8 random bytes of
``tests/data/nir_paper/03_rnn/braille_noDelay_bias_zero.nir`` flipped), the seeds of the
two files kept in ``tests/data/hostile/``. Each is checked by ``check_hdf5`` (a forked
child walks the whole file, stopped after ``--timeout`` seconds, its crash reported) and
counted: the HDF5 library looped (stopped), crashed, the walk refused the file with a
named problem, or the file passed the check. ``--write-docs`` writes the counts into
docs/robustness.md (benchmarks/doc_tables.py).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = Path(__file__).resolve().parents[1] / "tests" / "data" / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir"
OUTCOMES = ("HDF5 looped (stopped after the time limit)", "HDF5 crashed (reported)",
            "refused with a named problem", "passed the check")


def classify(path: Path) -> str:
    from snncompile.errors import InputError
    from snncompile.hdf5check import check_hdf5

    try:
        check_hdf5(str(path))
    except InputError as e:
        text = str(e)
        return OUTCOMES[0] if "did not finish within" in text else OUTCOMES[1] if "crashed" in text else OUTCOMES[2]
    return OUTCOMES[3]


def main() -> None:
    from snncompile.testing.fuzz.bytelevel import flip_bytes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=13696, help="variants [7, 0] to [7, N - 1]")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a walk is stopped")
    parser.add_argument("--write-docs", action="store_true", help="write the counts into docs/robustness.md")
    args = parser.parse_args()
    os.environ["SNNCOMPILE_READ_TIMEOUT"] = str(args.timeout)
    counts = dict.fromkeys(OUTCOMES, 0)
    first: dict[str, int] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.variants):
            path = Path(tmp) / f"v{i}.nir"
            flip_bytes(np.random.default_rng([7, i]), SEED, path)
            outcome = classify(path)
            counts[outcome] += 1
            first.setdefault(outcome, i)
            path.unlink()
            if i % 1000 == 999:
                print(f"{i + 1} variants: {counts}", flush=True)
    from benchmarks.doc_tables import markdown_table

    text = markdown_table(["byte-flipped variant", "count", "first (seed [7, i])"],
                          [[k, f"{v:,}", str(first.get(k, "-"))] for k, v in counts.items()])
    text += f"\n\n{args.variants:,} variants in {time.perf_counter() - start:.0f} s."
    print(text)
    if args.write_docs:
        from benchmarks.doc_tables import write_block

        write_block("robustness.md", "hdf5_flips", text, f"python -m benchmarks.hdf5_flips --variants {args.variants} "
                    f"--timeout {args.timeout:g} --write-docs")


if __name__ == "__main__":
    main()

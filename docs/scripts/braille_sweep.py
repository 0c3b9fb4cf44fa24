"""The sweep shown in docs/evaluate.md: the NIR paper's Braille RNN (subtract reset, as
trained) compiled for loihi and loihi2 at 4, 6 and 8 weight bits, each cell evaluated on
the emulator over braille7_fold0 (280 samples); loihi2 borrows loihi's energy figures
(it publishes none). Writes docs/sweep/pareto.png and docs/sweep/sweep.csv.

    python docs/scripts/braille_sweep.py [--workers N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from snncompile.cli.main import main

ROOT = Path(__file__).parents[2]


def run(workers: str = "1") -> int:
    with tempfile.TemporaryDirectory() as folder:
        with np.load(ROOT / "tests/data/braille/braille7_fold0.npz", allow_pickle=False) as d:
            np.savez(Path(folder) / "fold0.npz", input=d["spikes"], labels=d["labels"], classes=d["classes"])
        out = Path(folder) / "sweep"
        code = main(["sweep", str(ROOT / "tests/data/nir_paper/03_rnn/braille_noDelay_noBias_subtract.nir"),
                     "--reset", "subtract", "--reset-timing", "delayed", "--data", f"{folder}/fold0.npz",
                     "--target", "loihi,loihi2", "--weight-bits", "4,6,8", "--borrow", "loihi2=loihi",
                     "-o", str(out), "--workers", workers, "--no-progress"])
        (ROOT / "docs/sweep").mkdir(exist_ok=True)
        for name in ("pareto.png", "sweep.csv"):
            shutil.copy(out / name, ROOT / "docs/sweep" / name)
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--workers" else "1"))

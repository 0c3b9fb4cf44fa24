"""Accuracy of the NIR paper's Braille networks: float reference vs quantized emulator
(and Lava where it can express the graph) on braille7_fold0. Prints a Markdown table.

    python docs/scripts/braille_quantization.py [N_SAMPLES] [--lava]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from snncompile.compare import compare_graphs
from snncompile.errors import SnnCompileError
from snncompile.interop.nir import read_nir
from snncompile.passes.quantize import quantize

ROOT = Path(__file__).parents[2]
NETWORKS = [
    ("braille_noDelay_bias_zero", "zero", "immediate"),
    ("braille_noDelay_noBias_subtract", "subtract", "delayed"),
    ("braille_noDelay_noBias_subtract", "subtract", "immediate"),
]


def main(samples: int, lava: bool) -> None:
    data = np.load(ROOT / "tests/data/braille/braille7_fold0.npz")
    x, y = data["spikes"][:samples].astype(np.float64), data["labels"][:samples]
    calib = x[: min(samples, 40)]
    print("| network | reset (float) | samples | float | emulator | lava | output agreement | time s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, reset, timing in NETWORKS:
        t0 = time.time()
        g = read_nir(ROOT / f"tests/data/nir_paper/03_rnn/{name}.nir", dt=1e-4, reset=reset, reset_timing=timing)
        q = quantize(g, "loihi2", calibrate=calib)
        backends = ["reference", "emulator"]
        lava_cell = "-"
        if lava:
            backends.append("lava")
        try:
            c = compare_graphs(g, q.fixed, q.lags, x, backends, labels=y)
        except SnnCompileError as exc:
            lava_cell = f"not expressible: {exc}"
            c = compare_graphs(g, q.fixed, q.lags, x, backends[:2], labels=y)
        if "lava" in c.accuracy:
            lava_cell = f"{c.accuracy['lava']:.3f}"
        agree = c.output_agreement["reference vs emulator"]
        print(f"| {name} | {reset} ({timing}) | {samples} | {c.accuracy['reference']:.3f} | "
              f"{c.accuracy['emulator']:.3f} | {lava_cell} | {agree:.4f} | {time.time() - t0:.0f} |")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 280, "--lava" in sys.argv)

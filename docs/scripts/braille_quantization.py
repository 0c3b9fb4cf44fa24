"""Accuracy of the NIR paper's Braille networks: float reference vs quantized emulator,
and Lava (where it can express the graph) on the first few samples; braille7_fold0.
Prints a Markdown table.

    python docs/scripts/braille_quantization.py [N_SAMPLES] [N_LAVA]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from snncompile.compare import compare_graphs
from snncompile.errors import SnnCompileError, one_line
from snncompile.interop.nir import read_nir
from snncompile.passes.quantize import QuantizeOptions, quantize

ROOT = Path(__file__).parents[2]
NETWORKS = [  # file, float reset, reset timing (snnTorch trained with delayed subtract)
    ("braille_noDelay_bias_zero", "zero", "immediate"),
    ("braille_noDelay_noBias_subtract", "subtract", "delayed"),
    ("braille_noDelay_noBias_subtract", "subtract", "immediate"),
]
VARIANTS = [("default", QuantizeOptions()),  # precision chosen by calibration agreement (choose_precision)
            ("--weight-split 1", QuantizeOptions(auto_precision=False)),
            ("--split-sign --weight-split 1", QuantizeOptions(split_sign=True, auto_precision=False))]


def main(samples: int, n_lava: int) -> None:
    data = np.load(ROOT / "tests/data/braille/braille7_fold0.npz", allow_pickle=False)
    x, y = data["spikes"][:samples].astype(np.float64), data["labels"][:samples]
    calib = data["spikes"][:40].astype(np.float64)
    print("| network | float reset | quantization | float acc | emulator acc | output spike agreement "
          f"| Lava (first {n_lava}): acc, equal to emulator |")
    print("|---|---|---|---|---|---|---|")
    for name, reset, timing in NETWORKS:
        g = read_nir(ROOT / f"tests/data/nir_paper/03_rnn/{name}.nir", dt=1e-4, reset=reset, reset_timing=timing)
        for label, options in VARIANTS:
            q = quantize(g, "loihi2", options, calibrate=calib)
            c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], labels=y)
            lava = "-"
            if n_lava:
                try:
                    cl = compare_graphs(g, q.fixed, q.lags, x[:n_lava], ["emulator", "lava"], labels=y[:n_lava])
                    same = cl.pairs[0].first_layer is None
                    lava = f"{cl.accuracy['lava']:.3f}, {'yes' if same else 'NO'}"
                except SnnCompileError as exc:
                    why = re.search(r"reset '[a-z]+'", one_line(str(exc)))  # the Lava backend's own reason
                    lava = f"not expressible ({why.group(0) if why else one_line(str(exc))[:60]})"
            print(f"| {name} | {reset} ({timing}) | {label} | {c.accuracy['reference']:.3f} | "
                  f"{c.accuracy['emulator']:.3f} | {c.output_agreement['reference vs emulator']:.3f} | {lava} |")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 280, args[1] if len(args) > 1 else 0)

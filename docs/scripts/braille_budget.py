"""Issue 10's numbers (docs/quantization.md, "Where the error comes from"): the NIR
paper's Braille networks compiled for loihi2, calibrated on the first half of
braille7_fold0; output-layer spike agreement with float over the whole fold, accuracy on
the second half, and the error budget on the calibration half.

    python docs/scripts/braille_budget.py zero '{"auto_precision": false}' '{}'   # single precision; the default
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from snncompile.compare import compare_graphs
from snncompile.interop.nir import read_nir
from snncompile.passes.quantize import QuantizeOptions, error_budget, quantize
from snncompile.reports.render import render_budget

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
GRAPHS = {"zero": ("braille_noDelay_bias_zero", "zero", "immediate"),
          "subtract": ("braille_noDelay_noBias_subtract", "subtract", "delayed")}


def main(which: str, *option_sets: str) -> None:
    torch.set_num_threads(1)
    name, reset, timing = GRAPHS[which]
    data = np.load(DATA / "braille" / "braille7_fold0.npz", allow_pickle=False)
    x, y = data["spikes"].astype(np.float64), data["labels"]
    half = len(x) // 2
    for text in option_sets or ("{}",):
        start = time.time()
        g = read_nir(DATA / f"nir_paper/03_rnn/{name}.nir", dt=1e-4, reset=reset, reset_timing=timing)
        q = quantize(g, "loihi2", QuantizeOptions(**json.loads(text)), calibrate=x[:half])
        whole = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
        test = compare_graphs(g, q.fixed, q.lags, x[half:], ["reference", "emulator"], labels=y[half:])
        print(json.dumps({"graph": which, "options": json.loads(text),
                          "agreement": {r.layer: round(r.agreement, 4) for r in whole.pairs[0].layers},
                          "accuracy_second_half": {k: round(v, 4) for k, v in test.accuracy.items()},
                          "chip_synapse_nodes": sum(1 for n in q.fixed.nodes.values() if n.kind.startswith("FixedConv")
                                                    or n.kind == "FixedLinear"),
                          "seconds": round(time.time() - start, 1)}))
        print(render_budget(error_budget(g, q, x[:half], y[:half]), "on the calibration half"), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])

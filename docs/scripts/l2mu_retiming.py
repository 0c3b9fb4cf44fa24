"""The numbers of docs/l2mu.md: the L2MU's timing on a chip, float and compiled.

    .venv/bin/python docs/scripts/l2mu_retiming.py [--samples N] [--out results.json]

For both Braille folds shipped with the package (zoo:l2mu's 'test' = fold 0 and 'train' =
fold 2): the float model's accuracy, the retimed float model's (retime_recurrences for
loihi2's one-step synapse latency) and how often the two give the same class; then the
model compiled for loihi2 two ways — as is (the loops short of delay on the host) and
retimed (whole on the chip) — with its emulator accuracy, the per-layer spike agreement
with the float model it keeps and the fraction of samples given the same class.
Calibration: the first 64 samples of the other fold. Last, how sensitive the float model
itself is: the per-layer spike agreement of the float model with a copy whose weights are
multiplied by (1 + eps N(0, 1)) (32 samples of fold 0), the bound a quantizer works under.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from snncompile.compare import compare_graphs
from snncompile.compile import build_artifact
from snncompile.ir import Graph, Linear
from snncompile.passes.quantize import QuantizeOptions
from snncompile.passes.retime_recurrences import retime_recurrences, timing_changes
from snncompile.simulate import accuracy, classify, get_backend
from snncompile.zoo.models import zoo_entry, zoo_graph

VARIANTS = {
    "as is (short loops on the host)": QuantizeOptions(),
    "retimed": QuantizeOptions(retime_recurrences=True),
    "retimed, weight_split=2": QuantizeOptions(retime_recurrences=True, weight_split=2),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=280)
    p.add_argument("--out")
    args = p.parse_args()
    graph = zoo_graph("l2mu")
    retimed = retime_recurrences(graph, 1)
    results: dict = {"changes": [c.describe() for c in timing_changes(graph, retimed)], "folds": {}}
    for c in results["changes"]:
        print(c)
    ref = get_backend("reference")
    for split, other in (("test", "train"), ("train", "test")):
        x, y = zoo_entry("l2mu").data(split)
        x, y = x[: args.samples], y[: args.samples]
        calib = zoo_entry("l2mu").data(other)[0][:64]
        t = time.time()
        a = ref.run(graph, x).outputs["y"]
        b = ref.run(retimed, x).outputs["y"]
        row = {"samples": len(y), "float": accuracy(a, y), "float retimed": accuracy(b, y),
               "same class, float vs retimed": float(np.mean(classify(a) == classify(b))), "compiled": {}}
        print(f"{split}: float {row['float']:.4f}, retimed float {row['float retimed']:.4f}, same class "
              f"{row['same class, float vs retimed']:.4f} ({time.time() - t:.0f} s)", flush=True)
        for name, options in VARIANTS.items():
            art = build_artifact(graph, "loihi2", options, calibrate=calib)
            cmp = compare_graphs(art.float_graph, art.fixed, art.lags, x, ["reference", "emulator"], labels=y)
            layers = {r.layer: r.agreement for r in cmp.pairs[0].layers}
            host = sorted(art.partition.host_nodes) if art.partition else []
            row["compiled"][name] = {"emulator": cmp.accuracy["emulator"], "its float": cmp.accuracy["reference"],
                                     "same class": _same_class(cmp, art, x), "layer agreement": layers,
                                     "host nodes": host, "output lag": int(art.lags["y"])}
            print(f"  {name}: emulator {cmp.accuracy['emulator']:.4f} (its float {cmp.accuracy['reference']:.4f}), "
                  f"layers {', '.join(f'{k} {v:.4f}' for k, v in layers.items())}, host {host}", flush=True)
        results["folds"][split] = row
    results["sensitivity"] = sensitivity(graph, zoo_entry("l2mu").data("test")[0][:32])
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=1)


def sensitivity(graph: Graph, x: np.ndarray) -> dict[str, dict[str, float]]:
    layers = ["u", "m", "h", "out"]
    ref = get_backend("reference")
    base = ref.run(graph, x, record=layers).recorded
    rng = np.random.default_rng(0)
    out = {}
    for eps in (1e-6, 1e-4, 1e-3, 4e-3):
        nodes = {n: node.replace(weight=np.asarray(node.weight) * (1 + eps * rng.standard_normal(node.weight.shape)))
                 if isinstance(node, Linear) else node for n, node in graph.items()}
        got = ref.run(Graph(nodes, list(graph.edges), graph.dt), x, record=layers).recorded
        out[f"{eps:g}"] = {k: float(np.mean(base[k] == got[k])) for k in layers}
        print(f"weights x (1 + {eps:g} N(0,1)): float agreement "
              f"{', '.join(f'{k} {v:.4f}' for k, v in out[f'{eps:g}'].items())}", flush=True)
    return out


def _same_class(cmp, art, x) -> float:
    ref = get_backend("reference").run(art.float_graph, x).outputs["y"]
    lag = int(art.lags["y"])
    emu = get_backend("emulator").run(art.fixed, x, steps=x.shape[1] + lag).outputs["y"][:, lag:]
    return float(np.mean(classify(ref) == classify(emu)))


if __name__ == "__main__":
    main()

"""The numbers of docs/convert.md: ANN -> SNN conversion of the zoo's digits networks.

    .venv/bin/python docs/scripts/convert_digits.py [--samples N] [--out results.json]

For the trained ReLU MLP and CNN (snncompile.zoo.digits_ann; scikit-learn's digits, 450
held-out samples): the ANN's accuracy; the converted SNN's accuracy against the number of
steps T for each conversion (IF with scales from the max and from the 99.9th percentile of
the training split's activations, LIF with the percentile), from the converted PyTorch
module; its IR graph's accuracy (reference backend) at T = 64; the graph compiled for
loihi2 (calibration: 64 training samples) and run by the emulator at T = 64; the graph
compiled for cortex-m4 (same calibration) run as generated C (the ``c`` backend: gcc on
this machine, the static first synapse on the host, replayed) at T = 64, and whether its
outputs equal the emulator's; and the cortex-m4 estimate (energy and latency per sample at
T = 64) of the float graph.
"""

from __future__ import annotations

import argparse
import json
import time

from snncompile.compile import build_artifact
from snncompile.convert import ConvertOptions, accuracy_against_steps, ann_accuracy, convert
from snncompile.estimate.run import resolve_targets, run_estimates
from snncompile.simulate import accuracy, get_backend
from snncompile.zoo.digits_ann import ZOO_STEPS, digits8, load_ann, sequence

STEPS = (4, 8, 16, 32, 64, 128, 256)
CONVERSIONS = {
    "IF, max": ConvertOptions(normalize="max"),
    "IF, 99.9th percentile": ConvertOptions(normalize="percentile"),
    "LIF (decay 0.99), 99.9th percentile": ConvertOptions(normalize="percentile", neuron="lif"),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=450)
    p.add_argument("--out")
    args = p.parse_args()
    train_x, _ = digits8("train")
    x, y = digits8("test")
    x, y = x[: args.samples], y[: args.samples]
    seq = sequence("test", ZOO_STEPS)[0][: args.samples]
    calib = sequence("train", ZOO_STEPS)[0][:64]
    results: dict = {"samples": len(y), "steps": ZOO_STEPS, "networks": {}}
    for name in ("mlp", "cnn"):
        ann = load_ann(name)
        row: dict = {"ann": ann_accuracy(ann, x, y), "conversions": {}}
        print(f"{name}: ANN {row['ann']:.4f}", flush=True)
        for label, options in CONVERSIONS.items():
            t = time.time()
            conversion = convert(ann, train_x, options)
            against_t = accuracy_against_steps(conversion.model, x, y, STEPS)
            graph = conversion.graph()
            ref = accuracy(get_backend("reference").run(graph, seq).output(), y)
            art = build_artifact(graph, "loihi2", calibrate=calib)
            lag = int(art.lags[graph.outputs[0]])
            emu = get_backend("emulator").run(art.fixed, seq, steps=ZOO_STEPS + lag).output()[:, lag:]
            m4_art = build_artifact(graph, "cortex-m4", calibrate=calib)
            c_out = get_backend("c").run(m4_art.fixed, seq).output()
            c_exact = bool((c_out == get_backend("emulator").run(m4_art.fixed, seq).output()).all())
            m4 = run_estimates(graph, {graph.inputs[0]: seq}, resolve_targets("cortex-m4")).estimates[0]
            row["conversions"][label] = {
                "scales": conversion.scales, "accuracy against T": against_t, "graph (reference)": ref,
                "loihi2 (emulator)": accuracy(emu, y), "loihi2 output lag": lag,
                "loihi2 host nodes": sorted(art.partition.host_nodes) if art.partition else [],
                "cortex-m4 (generated C)": accuracy(c_out, y), "cortex-m4 C equals emulator": c_exact,
                "cortex-m4 output lag": int(m4_art.lags[graph.outputs[0]]),
                "cortex-m4 energy per sample (J)": m4.energy_j, "cortex-m4 latency per sample (s)": m4.latency_s,
            }
            print(f"  {label}: T {', '.join(f'{k}: {v:.4f}' for k, v in against_t.items())}; graph {ref:.4f}, "
                  f"loihi2 emulator {accuracy(emu, y):.4f} (lag {lag}), cortex-m4 C {accuracy(c_out, y):.4f} "
                  f"(= emulator: {c_exact}), estimate {m4.energy_j} J "
                  f"{m4.latency_s} s ({time.time() - t:.0f} s)", flush=True)
        results["networks"][name] = row
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(results, handle, indent=1, default=float)


if __name__ == "__main__":
    main()

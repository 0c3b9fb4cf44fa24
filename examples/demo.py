"""The main job, end to end, on real data (``make demo``).

A spiking RNN trained in snnTorch for the 7-class Braille reading task (the NIR paper's
zero-reset network, Pedersen et al. 2024) is

1. read from NIR with an explicit time step and reset mode,
2. compiled for Loihi 2 (8-bit weights, 12-bit decays, 24-bit state),
3. run on the float reference and on the bit-exact emulator for all 280 recordings of
   Braille fold 0, and on Lava's fixed-point CPU model for a few of them,
4. summarised as an accuracy table (float vs fixed point vs Lava) with activity counts,
5. estimated for energy and latency on every target, each figure with its provenance.

Each step is a ``snncompile`` command, printed before it runs, so the same can be typed
by hand. Outputs go to ``out/demo/``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from snncompile.cli.main import build_parser, load_commands
from snncompile.cli.output import table

ROOT = Path(__file__).resolve().parents[1]
NETWORK = ROOT / "tests" / "data" / "nir_paper" / "03_rnn" / "braille_noDelay_bias_zero.nir"
#: the data set as published in ../shared/data; the copy under tests/data is the same file
BRAILLE = [ROOT.parent / "shared" / "data" / "braille" / "braille7_fold0.npz",
           ROOT / "tests" / "data" / "braille" / "braille7_fold0.npz"]
LAVA_SAMPLES = 5
COMMANDS = load_commands()
PARSER = build_parser(COMMANDS)


def snncompile(line: str, show: bool = True) -> dict:
    """Run one CLI command in this process, print what it prints, return its result."""
    print(f"\n$ snncompile {line}", flush=True)
    args = PARSER.parse_args(shlex.split(line))
    module = COMMANDS[args.command]
    result = module.run(args)
    if show:
        print(module.render(result), flush=True)
    return result


def prepare_input(out: Path) -> Path:
    source = next((p for p in BRAILLE if p.exists()), None)
    if source is None:
        sys.exit(f"demo: Braille data not found in {[str(p) for p in BRAILLE]}")
    with np.load(source, allow_pickle=False) as data:
        spikes, labels = data["spikes"], data["labels"]
    path = out / "braille7_fold0.npz"
    np.savez_compressed(path, input=spikes.astype(np.int8), labels=labels)
    print(f"data: {source} -> {path}  ({spikes.shape[0]} recordings x {spikes.shape[1]} steps x {spikes.shape[2]} taxels)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    data = prepare_input(out)
    artifact = out / "braille.snnc"

    snncompile(f"inspect {NETWORK} --dt 1e-4 --reset zero")
    snncompile(f"compile {NETWORK} --dt 1e-4 --reset zero --target loihi2 -o {artifact}")
    chip = snncompile(f"compare {artifact} --input {data} --backends reference,emulator")
    lava = snncompile(f"compare {artifact} --input {data} --backends emulator,lava --samples {LAVA_SAMPLES}")
    report = snncompile(f"estimate {artifact} --input {data} --target all", show=False)

    layers = {row["name"]: row for row in report["metrics"]["neurons"]}
    print("\n== Accuracy on Braille fold 0 (argmax of output spike counts) ==")
    rows = [
        {"executor": "float reference (snncompile)", "samples": 280, "accuracy": chip["accuracy_by_backend"]["reference"]},
        {"executor": "Loihi 2 fixed point, emulator", "samples": 280, "accuracy": chip["accuracy_by_backend"]["emulator"]},
        {"executor": "Loihi 2 fixed point, emulator", "samples": LAVA_SAMPLES, "accuracy": lava["accuracy_by_backend"]["emulator"]},
        {"executor": "Lava fixed_pt (CPU model of Loihi)", "samples": LAVA_SAMPLES, "accuracy": lava["accuracy_by_backend"]["lava"]},
    ]
    print(table(rows))
    same = all(p["first_layer"] is None for p in lava["pairs"])
    print(f"emulator vs Lava: {'identical spikes in every layer and step' if same else 'DIFFERENT (see table above)'}")

    print("\n== Activity on the emulator, per inference (mean over 280 recordings) ==")
    print(table([{"layer": n, "kind": r["kind"], "neurons": r["neurons"], "spikes": r["spikes"],
                  "neuron updates": r["neuron_updates"]} for n, r in layers.items()]))
    totals = report["metrics"]["totals"]
    print(f"synaptic operations (Effective_ACs) {totals['Effective_ACs']:.4g}, "
          f"synaptic events {totals['synaptic_events']:.4g}, spikes {totals['spikes']:.4g} per inference")

    from snncompile.estimate import render as R

    print("\n== Energy and latency per inference on every target (>= : lower bound, figures missing) ==")
    print(table(R.side_by_side_rows(report), R.SIDE_BY_SIDE))
    print("Figures and their provenance: snncompile estimate ... --target NAME (or --json).")
    print(f"\ndemo finished in {time.perf_counter() - start:.0f} s; outputs in {out}/")


if __name__ == "__main__":
    main()

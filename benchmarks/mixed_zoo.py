"""The figures of docs/mixed.md §6 that the seed table (docs/zoo.md) does not hold: Lava
against the emulator on every chip layer of the transformer toys, what the quantizer
options are worth on Spikformer, and SpikMamba's chip + host estimate.

    python -m benchmarks.mixed_zoo [--lava-samples 1] [--skip-lava] [--write-docs]

Every network is compiled as tests/zoo/test_compiled.py compiles it (loihi2,
``weight_split=2, fire_on_gt=True``, calibrated on the first 64 training digits, mixed
chip/host partition). Sections:

1. Lava = emulator: the first ``--lava-samples`` held-out digits through Lava and the
   emulator, every chip layer (``FixedLIF``) recorded at every step; the count of spikes
   that differ, and both run times (wall, this machine, in the same run). The assertion
   is ``test_lava_equals_the_emulator_on_every_chip_segment`` (SpikMamba in ``make
   test``, the others in ``make test-slow``).
2. Options on Spikformer, all 450 held-out digits (``compare_graphs``, reference vs
   emulator): the worst chip layer's spike agreement and the float / compiled accuracy
   with single-precision weights (``weight_split=1``, precision not chosen automatically)
   and with ``fire_on_gt=False``, against the options of the table.
3. ``snncompile estimate`` of SpikMamba on ``--target loihi2,cortex-m4 --borrow
   loihi2=loihi`` over 4 held-out digits (calibrated on 16 training digits), as
   tests/zoo/test_compiled.py's estimate test runs it.

``--write-docs`` writes the three tables into docs/mixed.md (benchmarks/doc_tables.py).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np

from benchmarks.doc_tables import markdown_table
from snncompile.passes.quantize import QuantizeOptions

NETWORKS = {"spikformer": "Spikformer", "tim": "TIM as coded", "tim-intended": "TIM as intended",
            "spikmamba": "SpikMamba"}
OPTIONS = QuantizeOptions(weight_split=2, fire_on_gt=True)
CALIBRATION_SAMPLES = 64


def compile_toy(name: str, options: QuantizeOptions = OPTIONS):
    """(float graph, Quantized, held-out inputs, labels), as tests/zoo/test_compiled.py."""
    from snncompile.passes.partition import Capabilities
    from snncompile.passes.quantize import quantize
    from snncompile.targets import load_target
    from snncompile.zoo.models import ZOO, zoo_graph

    entry = ZOO[name]
    graph = zoo_graph(name)
    x_train, _ = entry.data("train")
    x, labels = entry.data("test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = quantize(graph, "loihi2", options, x_train[:CALIBRATION_SAMPLES],
                     capabilities=Capabilities.of(load_target("loihi2")))
    return graph, q, x, labels


def lava_row(name: str, samples: int) -> list[str]:
    from snncompile.backends.lava import run_lava
    from snncompile.emulator import emulate

    _, q, x, _ = compile_toy(name)
    chip = [n for n, node in q.fixed.items() if node.kind == "FixedLIF"]
    steps = x.shape[1] + max(q.lags.values())
    start = time.perf_counter()
    emu = emulate(q.fixed, x[:samples], steps=steps, record=chip)
    emu_s = time.perf_counter() - start
    start = time.perf_counter()
    lava = run_lava(q.fixed, x[:samples], steps=steps, record=chip)
    lava_s = time.perf_counter() - start
    differ = sum(int(np.sum(lava.recorded[n] != emu.recorded[n])) for n in chip)
    spikes = sum(int(emu.recorded[n].sum()) for n in chip)
    return [NETWORKS[name], str(len(chip)), str(samples), str(steps), f"{spikes:,}", str(differ),
            f"{lava_s:.1f} s", f"{emu_s:.1f} s"]


def options_row(label: str, options: QuantizeOptions) -> list[str]:
    from snncompile.compare import compare_graphs

    graph, q, x, labels = compile_toy("spikformer", options)
    comparison = compare_graphs(graph, q.fixed, q.lags, x, ["reference", "emulator"], labels=labels)
    (pair,) = comparison.pairs
    worst = min(pair.layers, key=lambda r: r.agreement)
    acc = comparison.accuracy
    return [label, f"{100 * worst.agreement:.2f} % (`{worst.layer}`)",
            f"{100 * comparison.output_agreement['reference vs emulator']:.2f} %",
            f"{acc['reference']:.4f} / {acc['emulator']:.4f}"]


def estimate_rows() -> list[list[str]]:
    from snncompile.cli.main import main
    from snncompile.compile import build_artifact, save_artifact
    from snncompile.estimate.render import energy_text, latency_text
    from snncompile.zoo.data import write_npz
    from snncompile.zoo.models import ZOO, zoo_graph

    entry = ZOO["spikmamba"]
    x_train, _ = entry.data("train")
    x, labels = entry.data("test")
    with tempfile.TemporaryDirectory() as tmp:
        artifact, inputs = Path(tmp) / "spikmamba.snnc", Path(tmp) / "in.npz"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            save_artifact(build_artifact(zoo_graph("spikmamba"), "loihi2", OPTIONS, calibrate=x_train[:16]), artifact)
        write_npz(inputs, x[:4], labels[:4])
        out = StringIO()
        with redirect_stdout(out):
            code = main(["estimate", str(artifact), "--input", str(inputs), "--target", "loihi2,cortex-m4",
                         "--borrow", "loihi2=loihi", "--json", "--no-progress"])
    if code != 0:
        raise SystemExit(f"snncompile estimate exited {code}")
    return [[e["target"], e["model"], energy_text(e), latency_text(e["latency_s"], e["latency_is_lower_bound"])]
            for e in json.loads(out.getvalue())["estimates"]]


def tables(lava_samples: int, skip_lava: bool) -> str:
    parts = []
    if not skip_lava:
        rows = []
        for name in NETWORKS:
            rows.append(lava_row(name, lava_samples))
            print(rows[-1], flush=True)
        parts.append("Lava against the emulator, every chip layer at every step:\n\n" + markdown_table(
            ["network", "chip layers", "samples", "steps", "chip spikes", "spikes that differ", "Lava", "emulator"],
            rows))
    variants = [("as in the table (`weight_split=2, fire_on_gt=True`)", OPTIONS),
                ("`weight_split=1` (8-bit mantissas only)", QuantizeOptions(fire_on_gt=True, auto_precision=False)),
                ("`fire_on_gt=False` (no longer runs on Lava)", QuantizeOptions(weight_split=2, fire_on_gt=False))]
    rows = []
    for label, options in variants:
        rows.append(options_row(label, options))
        print(rows[-1], flush=True)
    parts.append("What the options are worth on Spikformer (450 held-out digits, reference vs emulator):\n\n"
                 + markdown_table(["options", "worst chip layer", "same class", "accuracy float / compiled"], rows))
    parts.append("SpikMamba, `snncompile estimate --target loihi2,cortex-m4 --borrow loihi2=loihi`, 4 held-out "
                 "digits, per sample:\n\n" + markdown_table(["target", "model", "energy", "latency"], estimate_rows()))
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lava-samples", type=int, default=1, help="held-out digits run through Lava")
    parser.add_argument("--skip-lava", action="store_true", help="only the options and the estimate")
    parser.add_argument("--write-docs", action="store_true", help="write the tables into docs/mixed.md")
    args = parser.parse_args()
    if args.skip_lava and args.write_docs:
        parser.error("--write-docs writes all three tables: run it without --skip-lava")
    text = tables(args.lava_samples, args.skip_lava)
    print(text)
    if args.write_docs:
        from benchmarks.doc_tables import write_block

        flags = f" --lava-samples {args.lava_samples}"
        write_block("mixed.md", "mixed_zoo", text, f"python -m benchmarks.mixed_zoo{flags} --write-docs")


if __name__ == "__main__":
    main()

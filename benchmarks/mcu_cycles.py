"""Generated C on Cortex-M4 / M7 instruction sets: flash, RAM, cycles per step, and the
cycles per synaptic operation / neuron update / spike fitted over many networks.

    python -m benchmarks.mcu_cycles [--steps 48] [--quick] [--json out.json] [--write-docs]

Networks: the NIR paper's Braille RNN and the trained L2MU (both compiled for the
target from tests/data with the automatic scales, run on sample 0 of braille7_fold0),
and synthetic fixed graphs (input -> hidden (+ recurrence) -> 10 outputs) over widths,
weight densities (dense rows and sparse CSR tables) and input rates, so that every cost
term varies. Each network is cross-compiled (zig cc), sized from its ELF and executed
on the instruction-set simulator (unicorn + capstone, :mod:`snncompile.backends.c.iss`);
its outputs there are checked equal to the emulator's. Prints per network and target
the measured figures and the least-squares costs (what targets/cortex-m*.toml hold);
``--write-docs`` writes them into docs/mcu.md (benchmarks/doc_tables.py).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from snncompile.backends.c.measure import Measurement, fit_costs, measure, predict
from snncompile.ir import Graph
from snncompile.ir.fixed import FixedGraphBuilder

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TARGETS = ("cortex-m4", "cortex-m7")


def real_networks(target: str) -> dict[str, Graph]:
    from snncompile.api import ModelOptions, load_model
    from snncompile.compile import build_artifact
    from snncompile.zoo.l2mu import load_l2mu

    braille = load_model(str(DATA / "nir_paper" / "03_rnn" / "braille_noDelay_noBias_subtract.nir"),
                         ModelOptions(reset="subtract"))
    return {"braille-rnn": build_artifact(braille, target).fixed,
            "l2mu": build_artifact(load_l2mu(DATA / "l2mu"), target).fixed}


def synthetic(n_in: int, hidden: int, density: float, recurrent: bool, seed: int) -> Graph:
    rng = np.random.default_rng(seed)

    def weights(n_out: int, n: int) -> np.ndarray:
        return np.where(rng.random((n_out, n)) < density, rng.integers(-120, 121, (n_out, n)) * 2, 0)

    b = FixedGraphBuilder((n_in,))
    b.linear(weights(hidden, n_in), delay=-1)
    lif = b.lif(du=1024, dv=410, vth=40)
    if recurrent:
        b.recurrent(weights(hidden, hidden) // 4, delay=0, target=lif)
    b.linear(weights(10, hidden), delay=-1)
    b.lif(du=4095, dv=200, vth=60)
    b.output()
    return b.graph


def synthetic_cases(quick: bool) -> list[tuple[str, Graph, float]]:
    shapes = [(16, 32, 0.9, False), (16, 128, 0.9, True), (64, 256, 0.1, False), (32, 96, 0.3, True)]
    rates = [0.05, 0.3] if not quick else [0.2]
    cases = []
    for k, (n_in, hidden, density, rec) in enumerate(shapes[:2] if quick else shapes):
        for rate in rates:
            name = f"synthetic {n_in}-{hidden}{'r' if rec else ''}-10 d{density} rate{rate}"
            cases.append((name, synthetic(n_in, hidden, density, rec, k), rate))
    return cases


def run(steps: int, quick: bool, only: str = "all") -> dict:
    braille = np.load(DATA / "braille" / "braille7_fold0.npz", allow_pickle=False)["spikes"][0]
    result: dict = {"networks": {}, "fits": {}}
    for target in TARGETS:
        measured: list[tuple[str, Measurement]] = []
        for name, graph in ([] if quick or only == "synthetic" else list(real_networks(target).items())):
            measured.append((name, measure(graph, braille[:steps].astype(np.int32), target)))
        for name, graph, rate in ([] if only == "real" else synthetic_cases(quick)):
            n_in = graph.nodes[graph.inputs[0]].shape[0]  # type: ignore[attr-defined]
            x = (np.random.default_rng(7).random((steps, n_in)) < rate).astype(np.int32)
            measured.append((name, measure(graph, x, target)))
        fit = fit_costs([m for _, m in measured])
        result["fits"][target] = fit.to_dict()
        if target == "cortex-m4":  # the pipeline refill P = 1 and P = 3 bound the M4's costs
            result["fits"][target]["refill_bounds"] = [fit_costs([m for _, m in measured], f"cycles_p{p}").to_dict()
                                                       for p in (1, 3)]
        for name, m in measured:
            row = m.summary()
            row["fit_error_relative"] = float(np.mean(predict(fit, m)) / m.cycles.mean() - 1)
            result["networks"].setdefault(name, {})[target] = row
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--quick", action="store_true", help="synthetic networks only, fewer of them")
    parser.add_argument("--only", choices=("all", "real", "synthetic"), default="all",
                        help="real: the Braille RNN and the L2MU only (e.g. with --steps 256, a whole sample)")
    parser.add_argument("--json")
    parser.add_argument("--write-docs", action="store_true", help="write the tables into docs/mcu.md")
    args = parser.parse_args()
    start = time.perf_counter()
    result = run(args.steps, args.quick, args.only)
    result["wall_s"] = time.perf_counter() - start
    for name, per_target in result["networks"].items():
        for target, row in per_target.items():
            print(f"{name:38s} {target}  flash {row['flash_bytes']:7d} B  RAM {row['ram_bytes']:6d} B "
                  f"(+ stack {row['peak_stack_bytes']} B)  cycles/step {row['cycles_per_step_mean']:9.1f} "
                  f"(P=1..3: {row['cycles_per_step_mean_refill1']:.0f}..{row['cycles_per_step_mean_refill3']:.0f})  "
                  f"synops {row['synops_per_step']:.1f}  updates {row['neuron_updates_per_step']:.0f}  "
                  f"fit {row['fit_error_relative']:+.1%}")
    for target, fit in result["fits"].items():
        print(f"{target}: cycles/step = {fit['per_synop']:.2f} x synops + {fit['per_neuron_update']:.2f} x neuron "
              f"updates + {fit['per_spike']:.2f} x spikes + {fit['per_step']:.0f} "
              f"(rms {fit['rms_relative']:.1%} over {fit['steps']} steps)")
        for bound, p in zip(fit.get("refill_bounds", []), (1, 3)):
            print(f"  with P={p}: {bound['per_synop']:.2f} x synops + {bound['per_neuron_update']:.2f} x neuron updates "
                  f"+ {bound['per_spike']:.2f} x spikes + {bound['per_step']:.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    if args.write_docs:
        from benchmarks.doc_tables import write_block

        command = " ".join(["python -m benchmarks.mcu_cycles", f"--steps {args.steps}", *(["--quick"] if args.quick else []),
                            *([f"--only {args.only}"] if args.only != "all" else []), "--write-docs"])
        write_block("mcu.md", "mcu_cycles", doc_tables(result, args.steps), command)


SAMPLE_STEPS = 256  # one braille7 sample


def doc_tables(result: dict, steps: int) -> str:
    """The measurements per network, the Cortex-M4's latency and energy for the real
    networks (from the target's clock and energy per cycle) and the fitted costs."""
    from benchmarks.doc_tables import markdown_table
    from snncompile.targets.loader import load_target

    rows, real = [], []
    for name, per_target in result["networks"].items():
        for target, r in per_target.items():
            refill = (f"{r['cycles_per_step_mean_refill1']:,.0f} .. {r['cycles_per_step_mean_refill3']:,.0f}"
                      if target == "cortex-m4" else "(instructions)")
            rows.append([name, target, f"{r['flash_bytes']:,} B", f"{r['ram_bytes']:,} + {r['peak_stack_bytes']} B",
                         f"{r['cycles_per_step_mean']:,.0f} ({r['cycles_per_step_max']:,.0f})", refill,
                         f"{r['instructions_per_step_mean']:,.0f}", f"{r['synops_per_step']:,.0f}",
                         f"{r['neuron_updates_per_step']:,.0f}", f"{r['fit_error_relative']:+.0%}"])
            if target == "cortex-m4" and not name.startswith("synthetic"):
                real.append((name, r))
    parts = [f"Every network over the first {steps} steps of its input (the real ones: sample 0 of braille7_fold0):",
             markdown_table(["network", "target", "flash", "RAM (static + peak stack)", "cycles/step mean (max)",
                             "P = 1 .. 3", "instructions/step", "synaptic ops/step", "neuron updates/step",
                             "fit error"], rows)]
    if real:
        m4 = load_target("cortex-m4")
        clock, joules = m4.number("timing", "clock_hz"), m4.number("energy", "energy_per_cycle_j")
        assert clock and joules
        lines = [[name, f"{r['cycles_per_step_mean'] / clock * 1e6:,.1f} us ({r['cycles_per_step_mean_refill1'] / clock * 1e6:,.1f}"
                  f" .. {r['cycles_per_step_mean_refill3'] / clock * 1e6:,.1f} us for P = 1 .. 3)",
                  f"{r['cycles_per_step_mean'] * SAMPLE_STEPS / clock * 1e3:,.1f} ms",
                  f"{r['cycles_per_step_mean'] * SAMPLE_STEPS * joules * 1e3:.3g} mJ"] for name, r in real]
        parts += [f"On the Cortex-M4 at {clock / 1e6:g} MHz (`timing.clock_hz`) and {joules * 1e9:g} nJ per cycle "
                  f"(`energy.energy_per_cycle_j`), from the mean cycles per step above ({SAMPLE_STEPS} steps per inference):",
                  markdown_table(["network", "latency per step", f"per inference ({SAMPLE_STEPS} steps)",
                                  "energy per inference"], lines)]
    fits = []
    for target, f in result["fits"].items():
        bounds = f.get("refill_bounds")

        def span(key: str, fmt: str, f: dict = f, bounds: list | None = bounds) -> str:
            value = format(f[key], fmt)
            return f"{value} ({format(bounds[0][key], fmt)} .. {format(bounds[1][key], fmt)})" if bounds else value
        fits.append([target if bounds else f"{target} (instructions)", span("per_synop", ".2f"),
                     span("per_neuron_update", ".1f"), span("per_spike", ".2f"), span("per_step", ".0f"),
                     f"{f['rms_relative']:.0%}", f"{f['steps']:,}"])
    parts += [f"Costs fitted over every step of the {len(result['networks'])} networks above (non-negative least "
              "squares; in brackets the Cortex-M4's with P = 1 and P = 3):",
              markdown_table(["target", "per synaptic op", "per neuron update", "per spike", "per step",
                              "rms error of the fit", "steps fitted"], fits)]
    return "\n\n".join(parts)


if __name__ == "__main__":
    main()

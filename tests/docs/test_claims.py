"""Accuracies and mismatch counts written in docs/ are the ones the code produces now.

Each entry of ``CLAIMS`` is a figure as a doc prints it and a function that recomputes
it the way the doc says it was obtained; the test fails when the code no longer gives the
doc's figure (or the doc lost it). Figures a test already computes and pins exactly are
listed in ``PINNED``: the doc must show the pinned value, so the doc and that test cannot
drift apart (the pinning test fails when the code changes). The walkthrough is checked by
test_walkthrough.py; benchmark tables are written by the benchmarks (doc_tables); the
seed table (docs/zoo.md) by tests/zoo/test_table.py.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
RNN = DATA / "nir_paper" / "03_rnn"


@dataclass(frozen=True)
class Claim:
    doc: str
    compute: Callable[[], str]   # the figure as the doc prints it
    slow: bool = False


@cache
def fold0() -> tuple[np.ndarray, np.ndarray]:
    with np.load(DATA / "braille" / "braille7_fold0.npz") as d:
        return d["spikes"], d["labels"]


@cache
def fold0_file(tmp: str) -> Path:
    x, y = fold0()
    path = Path(tmp) / "fold0.npz"
    np.savez(path, input=x.astype(np.float32), labels=y)
    return path


def cli_json(*argv) -> dict:
    from contextlib import redirect_stdout
    from io import StringIO

    from snncompile.cli.main import main

    out = StringIO()
    with redirect_stdout(out):
        assert main([str(a) for a in argv]) == 0
    return json.loads(out.getvalue())


def evaluate_float(tmp: str) -> str:
    """docs/evaluate.md: ``snncompile evaluate braille_noDelay_noBias_subtract.nir --reset
    subtract --reset-timing delayed --data fold0.npz``."""
    r = cli_json("evaluate", RNN / "braille_noDelay_noBias_subtract.nir", "--reset", "subtract",
                 "--reset-timing", "delayed", "--data", fold0_file(tmp), "--target", "none", "--json",
                 "--no-progress")
    return f"accuracy: {r['accuracy']:.4f} ({r['correct']}/{r['samples']})"


@cache
def braille_artifact(tmp: str, weight_split: int | None = None) -> Path:
    """``snncompile compile braille_noDelay_noBias_subtract.nir ... --target loihi2
    --calibrate fold0.npz`` (``--weight-split`` when given), once per run."""
    from snncompile.cli.main import main

    art = Path(tmp) / f"braille_w{weight_split}.snnc"
    split = ["--weight-split", str(weight_split)] if weight_split else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([str(a) for a in ("compile", RNN / "braille_noDelay_noBias_subtract.nir", "--reset", "subtract",
                                      "--reset-timing", "delayed", "--target", "loihi2", *split, "--calibrate",
                                      fold0_file(tmp), "-o", art)]) == 0
    return art


def evaluate_compiled(tmp: str) -> str:
    """docs/evaluate.md: compiled for loihi2 with ``--calibrate fold0.npz``, evaluated on
    the emulator."""
    r = cli_json("evaluate", braille_artifact(tmp), "--data", fold0_file(tmp), "--target", "none", "--json",
                 "--no-progress")
    return f"accuracy {r['accuracy']:.4f} ({r['correct']}/{r['samples']})"


def evaluate_printed(tmp: str) -> str:
    """docs/evaluate.md's example output: what ``snncompile evaluate ... --target
    loihi2,cortex-m4`` prints (run where the model and the data sit, so that the paths it
    prints are the doc's file names)."""
    import os
    import shutil
    from contextlib import redirect_stdout
    from io import StringIO

    from snncompile.cli.main import main

    here, out = os.getcwd(), StringIO()
    shutil.copy(RNN / "braille_noDelay_noBias_subtract.nir", tmp)
    fold0_file(tmp)
    os.chdir(tmp)
    try:
        with redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert main(["evaluate", "braille_noDelay_noBias_subtract.nir", "--reset", "subtract", "--reset-timing",
                         "delayed", "--data", "fold0.npz", "--target", "loihi2,cortex-m4", "--no-progress"]) == 0
    finally:
        os.chdir(here)
    return " ".join(out.getvalue().split())


def evaluate_compiled_on_loihi(tmp: str, weight_split: int | None = None) -> str:
    """docs/evaluate.md: the compiled Braille RNN estimated with Loihi's figures
    (``evaluate ... --target loihi``), with the precision the compiler chose and the
    report's ``precision:`` note; ``weight_split=1``: ``compile --weight-split 1``."""
    from snncompile.compile import load_artifact

    art = braille_artifact(tmp, weight_split)
    r = cli_json("evaluate", art, "--data", fold0_file(tmp), "--target", "loihi", "--json", "--no-progress")
    (e,) = [e for e in r["estimates"] if e["target"] == "loihi"]
    if weight_split == 1:
        return f"(`--weight-split 1`: accuracy {r['accuracy']:.4f}, {e['energy_j']:.3e} J per inference"
    import re

    note = next(str(n) for n in load_artifact(art).report.notes if str(n).startswith("precision:"))
    agree = re.search(r"agree with float on ([0-9.]+)%", note)
    assert agree, note
    return (f"{e['energy_j']:.3e} J per inference (a lower bound: Loihi's static power is not in the references) "
            f"and {e['latency_s']:.2e} s per inference (a bound), {e['energy_set_j']:.2e} J over the set. The compile "
            f"chose split weights (its report's `precision:` note: single-precision weights agreed on "
            f"{float(agree.group(1)):.1f} % of the output layer's calibration spikes;")


def _test_module(path: str):
    """A module of tests/ (its helpers and constants), imported by path."""
    spec = importlib.util.spec_from_file_location(f"claims_{Path(path).stem}", ROOT / "tests" / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readout_bounds(tmp: str) -> str:
    """docs/quantization.md: the readouts' largest error / largest bound / peak |v|, on
    test_readout.py's single-layer readouts (3 x 5 weights in [-1, 1], 8 x 40 steps of 30 %
    input spikes, seed 11) and its ``error_bound``."""
    from snncompile.emulator import emulate
    from snncompile.passes.quantize import quantize
    from snncompile.simulate import simulate

    t = _test_module("passes/quantize/test_readout.py")
    parts, scales = [], set()
    for kind, label in (("LI", "LI (with bias)"), ("CubaLI", "CubaLI"), ("Integrator", "Integrator")):
        rng = np.random.default_rng(11)
        g = t.one_layer(rng.uniform(-1, 1, (3, 5)), t.READOUTS[kind](3),
                        bias=rng.uniform(-0.05, 0.05, 3) if kind == "LI" else None)
        q = quantize(g, "loihi2")
        x = (rng.random((8, 40, 5)) < 0.3).astype(float)
        v_float = simulate(q.prepared, x).outputs["y"]
        lag = q.lags["y"]
        err = np.abs(emulate(q.fixed, x, steps=40 + lag).outputs["y"][:, lag:] / q.fixed.nodes["n"].scale - v_float)
        bound = t.error_bound(q, x, v_float, lag=lag)
        scales.add(round(q.fixed.nodes["n"].scale, 1))
        parts.append(f"{label} {err.max():.3f} / {bound.max():.3f} / {np.abs(v_float).max():.1f}")
    (scale,) = scales
    return (f"weights in [-1, 1], `S = {scale}`) the largest error / largest bound / peak `|v|` are "
            + ", ".join(parts) + " float units")


def braille_readout(tmp: str) -> str:
    """docs/quantization.md: the NIR paper's Braille RNNs with a CubaLI readout (as
    test_readout.py's ``test_braille_rnn_with_a_membrane_readout``), 40 samples of fold
    0, calibrated on 10."""
    from snncompile.compare import compare_graphs
    from snncompile.interop.nir import read_nir
    from snncompile.ir import CubaLI
    from snncompile.passes.quantize import quantize
    from snncompile.passes.rewrite import replace_node
    from snncompile.simulate import simulate

    x, y = fold0()
    x, y = x[:40].astype(np.float64), y[:40]
    found, flips = [], []
    for name, reset in (("braille_noDelay_noBias_subtract.nir", dict(reset="subtract", reset_timing="delayed")),
                        ("braille_noDelay_bias_zero.nir", dict(reset="zero"))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = read_nir(RNN / name, dt=1e-4, **reset)
            out = g.nodes["lif2"]
            g = replace_node(g, "lif2", CubaLI(shape=out.shape, decay=out.decay, syn_decay=out.syn_decay,
                                               gain=out.gain, syn_gain=out.syn_gain, bias=out.bias))
            q = quantize(g, "loihi2", calibrate=x[:10])
        c = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"], labels=y)
        (pair,) = c.pairs
        flips += [1 - r.agreement for r in pair.layers]
        same = round(c.output_agreement["reference vs emulator"] * len(y))
        found.append((c.accuracy["reference"], c.accuracy["emulator"], same, c.output_max_error["reference vs emulator"],
                      float(np.abs(simulate(g, x).output()).max())))
    (a, b, n, e, p), (a2, b2, n2, e2, p2) = found
    return (f"subtract-reset network float {a:.3f} / emulator {b:.3f}, same class for {n}/{len(y)}, largest membrane "
            f"difference {e:.1f} (peak {p:.1f}); zero-reset network with biases {a2:.3f} / {b2:.3f}, same class "
            f"{n2}/{len(y)}, largest difference {e2:.1f} (peak {p2:.1f}). The large differences come from the hidden "
            f"spikes that flip ({100 * min(flips):.1f}–{100 * max(flips):.1f}%)")


def reset_correction(tmp: str) -> str:
    """docs/quantization.md: test_reset_timing.py's 16-neuron LIF layer (decay 0.8, 4 x 120
    steps) compiled for loihi2 without the correction (its immediate-subtract twin) and
    with it, against snnTorch's delayed reset and an immediate subtract in float."""
    from snncompile.compare import aligned
    from snncompile.emulator import emulate
    from snncompile.passes.quantize import quantize

    t = _test_module("passes/quantize/test_reset_timing.py")

    def chip(g):
        q = quantize(g, "loihi2")
        return aligned(emulate(q.fixed, t.X, steps=121, record=["n"]).recorded["n"], q.lags["n"], 120)

    delayed, immediate = t.layer("subtract", "delayed"), t.layer("subtract", "immediate")
    f_delayed, f_immediate = t.spikes(delayed), t.spikes(immediate)
    without, with_fix = chip(immediate), chip(delayed)
    return (f"without the correction the fixed graph agreed {100 * np.mean(without == f_delayed):.1f}% with "
            f"snnTorch's delayed reset (and {100 * np.mean(without == f_immediate):.1f}% with an immediate subtract; "
            f"{int(without.sum())} vs {int(f_delayed.sum())} spikes); with it {100 * np.mean(with_fix == f_delayed):.1f}% "
            f"({int(with_fix.sum())} vs {int(f_delayed.sum())} spikes)")


def _script(folder: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def estimates_accuracy(title: str, samples: int) -> Callable[[str], str]:
    """docs/estimates.md (``python -m benchmarks.estimates_braille``): the float reference's
    accuracy on the first ``samples`` of braille7_fold0."""
    def compute(tmp: str) -> str:
        from snncompile.simulate import accuracy, simulate

        build = dict(_script("benchmarks", "estimates_braille").networks())[title]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = build()
        x, y = fold0()
        acc = accuracy(simulate(graph, x[:samples].astype(np.float64)).output(), y[:samples])
        return f"{samples} samples of braille7_fold0, 256 steps; accuracy {acc:.3f}"
    return compute


CLAIMS = {
    "evaluate-float": Claim("evaluate.md", evaluate_float),
    "evaluate-loihi2": Claim("evaluate.md", evaluate_compiled),
    "evaluate-printed": Claim("evaluate.md", evaluate_printed),
    "evaluate-loihi-estimate": Claim("evaluate.md", evaluate_compiled_on_loihi),
    "evaluate-single-precision": Claim("evaluate.md", lambda tmp: evaluate_compiled_on_loihi(tmp, 1)),
    "quantization-readout-bounds": Claim("quantization.md", readout_bounds),
    "quantization-braille-readout": Claim("quantization.md", braille_readout),
    "quantization-reset-correction": Claim("quantization.md", reset_correction),
    "estimates-braille-zero": Claim("estimates.md", estimates_accuracy("Braille RNN, reset to zero", 280)),
    "estimates-braille-subtract": Claim("estimates.md", estimates_accuracy("Braille RNN, delayed subtract", 280)),
    "estimates-l2mu": Claim("estimates.md", estimates_accuracy("L2MU", 40)),
}


def _pinned(test_file: str, name: str):
    spec = importlib.util.spec_from_file_location(f"pinned_{name}", ROOT / "tests" / test_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


#: (doc, the doc's text with ``{}`` for the value, test file, its constant, key or None, format)
PINNED = [
    ("mcu.md", "accuracy {} on both", "backends/c/test_real_networks.py", "ACCURACY", "braille-rnn", ".3f"),
    ("mcu.md", "accuracy {} on both", "backends/c/test_real_networks.py", "ACCURACY", "l2mu", ".3f"),
    ("mcu.md", "accuracy {} (MLP)", "backends/c/test_digits_project.py", "ACCURACY", "mlp", ".4f"),
    ("mcu.md", "and {} (CNN) on the 450 held-out digits", "backends/c/test_digits_project.py", "ACCURACY", "cnn",
     ".4f"),
    ("neuromorphic-targets.md", "| compiled for xylo-audio2: emulator | {} |", "backends/xylosim/test_xylosim.py",
     "BRAILLE_ACCURACY", None, ".4f"),
    ("frontend-torch.md", "(accuracy {} both ways)", "frontends/torch/test_braille_trained.py", "ACCURACY",
     None, ".3f"),
]


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.slow] if c.slow else [])
                                  for n, c in CLAIMS.items()])
def test_documented_figure_is_what_the_code_gives(name, tmp_path_factory):
    claim = CLAIMS[name]
    figure = claim.compute(str(tmp_path_factory.getbasetemp()))
    text = " ".join((ROOT / "docs" / claim.doc).read_text().split())
    assert figure in text, f"docs/{claim.doc} does not say {figure!r} (what the code gives now)"


@pytest.mark.parametrize(("doc", "pattern", "test_file", "constant", "key", "fmt"), PINNED)
def test_documented_figure_is_the_one_a_test_pins(doc, pattern, test_file, constant, key, fmt):
    value = _pinned(test_file, constant)
    value = value[key] if key is not None else value
    figure = pattern.format(format(value, fmt))
    text = " ".join((ROOT / "docs" / doc).read_text().split())
    assert figure in text, f"docs/{doc} does not say {figure!r}, which tests/{test_file} pins"


#: docs/mixed.md's worst chip layer, same class and accuracy (float / compiled) columns
#: against the generated seed table in docs/zoo.md (tests/zoo/test_table.py checks that
#: table against the code)
SEED_ROWS = {"Spikformer": "zoo:spikformer", "TIM as coded": "zoo:tim", "TIM as intended": "zoo:tim-intended",
             "SpikMamba": "zoo:spikmamba"}


@pytest.mark.parametrize("network", sorted(SEED_ROWS))
def test_mixed_figures_are_the_seed_tables(network):
    import re

    mixed = re.search(rf"^\| {network} \| ([0-9.]+) %[^|]*\| ([0-9.]+) % \| ([0-9.]+) / ([0-9.]+) \|",
                      (ROOT / "docs" / "mixed.md").read_text(), re.M)
    assert mixed, f"docs/mixed.md has no worst layer, same class and accuracy for {network}"
    row = next(line for line in (ROOT / "docs" / "zoo.md").read_text().splitlines()
               if line.startswith("| ") and f"(`{SEED_ROWS[network]}`)" in line)
    seed = re.search(r"chip layers ≥ ([0-9.]+) % \(\d+\); same class ([0-9.]+) % \| accuracy: ([0-9.]+) float, "
                     r"([0-9.]+) loihi2", row)
    assert seed, f"docs/zoo.md's row of {SEED_ROWS[network]} has no loihi2 agreement and accuracy"
    assert mixed.groups() == seed.groups(), f"docs/mixed.md says {mixed.groups()}, the seed table {seed.groups()}"


@pytest.mark.parametrize("target", ["cortex-m4", "cortex-m7"])
def test_mcu_costs_are_the_documented_fit(target):
    """targets/cortex-m*.toml hold the costs that benchmarks/mcu_cycles.py fitted and wrote
    into docs/mcu.md: refitting (and rewriting the doc) without updating the target, or the
    reverse, fails here."""
    import re

    from snncompile.targets import load_target

    row = re.search(rf"^\| {target}(?: \(instructions\))? \| ([0-9.]+).*?\| ([0-9.]+).*?\| [0-9.]+.*?\| ([0-9.]+)",
                    (ROOT / "docs" / "mcu.md").read_text(), re.M)
    assert row, f"docs/mcu.md has no fitted costs for {target}"
    t = load_target(target)
    toml = [t.number("cycles", key) or 0.0 for key in ("per_synop", "per_neuron_update", "per_step")]
    assert [float(v) for v in row.groups()] == pytest.approx(toml, abs=1e-6), f"docs/mcu.md {row.groups()}, {target}.toml {toml}"


def _estimates_tables() -> tuple[dict, str]:
    """docs/estimates.md's benchmark block as {network: (per-inference counts, {(target, model): row},
    does-not-fit text)} and the "Reading the tables" prose."""
    import re

    text = (ROOT / "docs" / "estimates.md").read_text()
    block = text.split("<!-- bench:estimates_braille:begin -->")[1].split("<!-- bench:estimates_braille:end -->")[0]
    networks = {}
    for section in block.split("\n### ")[0:]:
        head = re.match(r"(?:### )?(.+)\n\n(\d+) samples of braille7_fold0, 256 steps; accuracy [0-9.]+; per "
                        r"inference: (\d+) effective ACs, \d+ MACs, (\d+) synaptic events, (\d+) spikes", section)
        if not head:
            continue
        rows = {}
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if line.startswith("| ") and len(cells) == 9 and cells[0] != "target":
                rows[(cells[0], cells[1])] = dict(zip(["energy", "latency", "step", "cycles", "fits"], cells[2:7]))
        counts = dict(zip(["samples", "acs", "events", "spikes"], map(int, head.groups()[1:])))
        networks[head.group(1)] = (counts, rows, section.split("Does not fit:")[-1])
    prose = text.split("Reading the tables")[1].split("## Limits")[0]
    return networks, " ".join(prose.split())


def _unit(cell: str, unit: str) -> float:
    """'>= 1.643 uJ' in ``unit`` (J or s: n, u, m prefixes)."""
    number, suffix = cell.removeprefix(">= ").split()
    return float(number) * {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0}[suffix.removesuffix(unit)]


def test_estimates_reading_repeats_the_benchmark_tables():
    """docs/estimates.md's "Reading the tables" figures, recomputed from the tables
    benchmarks/estimates_braille.py wrote above them."""
    import re

    nets, prose = _estimates_tables()
    rnns = [nets["Braille RNN, reset to zero"], nets["Braille RNN, delayed subtract"]]
    l2mu_counts, l2mu, l2mu_fails = nets["L2MU"]

    def spread(values, scale, fmt):
        return f"{format(min(values) / scale, fmt)}-{format(max(values) / scale, fmt)}"

    def energies(target, model):
        return [_unit(r[target, model]["energy"], "J") for _, r, _ in rnns]

    paper, aware = energies("paper-45nm", "paper"), energies("paper-45nm", "memory-aware")
    software = [e for t in ("cortex-m4", "esp32-s3") for e in energies(t, "mcu")]
    m4 = next(f for f in (ROOT / "docs" / "estimates.md").read_text().splitlines()
              if "| cortex-m4 | cycles.per_neuron_update |" in f).split("|")[3]
    esp = next(f for f in (ROOT / "docs" / "estimates.md").read_text().splitlines()
               if "| esp32-s3 | cycles.per_neuron_update |" in f).split("|")[3]
    axons = [int(n) for n in re.findall(r"input axons per core at \w+ \((\d+) > 256\)", l2mu_fails)]
    fanout = set(re.findall(r"fan-out per neuron at \w+ \((\d+) synapses > 64\)", l2mu_fails))
    figures = [
        f"about {spread([c['acs'] for c, _, _ in rnns], 1000, '.0f')} k synaptic operations",
        f"and {spread([round(c['spikes'], -2) for c, _, _ in rnns], 1, '.0f')} spikes",
        f"The paper method gives {spread(paper, 1e-9, '.0f')} nJ",
        f"about {min(a / p for a, p in zip(aware, paper)):.0f}x more ({spread(aware, 1e-9, '.0f')} nJ)",
        f"figures {spread(energies('loihi', 'chip'), 1e-6, '.1f')} uJ",
        f"software targets {spread(software, 1e-6, '.0f')} uJ",
        f"idle power x the {rnns[0][1]['speck', 'chip']['latency']} the input lasts",
        f"stores {l2mu_counts['events'] / 1e6:.1f} M synaptic events",
        f"only {l2mu_counts['acs'] / 1e6:.2f} M nonzero pairs",
        f"a {l2mu_counts['events'] / l2mu_counts['acs']:.1f}x difference",
        f"it needs {_unit(l2mu['cortex-m4', 'mcu']['step'], 's') * 1e6:.0f} us per step",
        f"(240 MHz, {_unit(l2mu['esp32-s3', 'mcu']['step'], 's') * 1e6:.0f} us)",
        f"a neuron update about {float(m4) / float(esp):.0f}x",
        f"its {min(axons)}-{max(axons)} inputs per neuron",
        f"reach {''.join(fanout)} targets each (limit 64)",
        f"The L2MU row uses {l2mu_counts['samples']} samples",
        f"the Braille RNNs use all {rnns[0][0]['samples']}",
    ]
    for figure in figures:
        assert figure in prose, f"docs/estimates.md's reading of the tables does not say {figure!r}"
    # which network fits where
    assert [r["xylo-audio2", "chip"]["fits"] for _, r, _ in rnns][1] == "yes"
    assert rnns[0][1]["xylo-audio2", "chip"]["fits"].startswith("no")
    assert rnns[1][1]["loihi", "chip"]["fits"].startswith("no") and rnns[0][1]["loihi", "chip"]["fits"] == "yes"


def test_sweep_table_is_the_sweep_csv():
    """docs/evaluate.md's sweep table and its static-power sentence are what
    ``python docs/scripts/braille_sweep.py`` wrote into docs/sweep/sweep.csv."""
    import csv

    from snncompile.targets import load_target

    text = " ".join((ROOT / "docs" / "evaluate.md").read_text().split())
    with open(ROOT / "docs" / "sweep" / "sweep.csv", newline="") as f:
        cells = list(csv.DictReader(f))
    assert cells
    for c in cells:
        energy = ("" if c["energy_is_lower_bound"] == "False" else ">= ") + f"{float(c['energy_j']):.3e}"
        latency = f"{float(c['latency_s']):.2e}" if c["latency_s"] else "unknown"
        row = (f"| {c['cell']}{' (best)' if c['best'] == 'True' else ''} | {float(c['accuracy']):.4f} | {energy} | "
               f"{latency} |")
        assert row in text, f"docs/evaluate.md's sweep table lacks {row!r} (docs/sweep/sweep.csv)"
    static = load_target("loihi2").number("energy", "static_power_w")
    latency = {float(c["latency_s"]) for c in cells if c["target"] == "loihi2"}
    assert len(latency) == 1 and static is not None
    assert f"static power ({static:g} W, the whole chip's" in text
    assert f"adds {static * latency.pop():.2e} J per inference" in text


def test_braille_quantization_reading_repeats_its_table():
    """docs/quantization.md's reading of the Braille table (written by
    docs/scripts/braille_quantization.py) quotes the table's figures."""
    text = (ROOT / "docs" / "quantization.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| braille_noDelay_") and len(cells) == 7:
            rows[(cells[0].split("_")[-1], cells[1].split()[1].strip("()"), cells[2])] = cells[3:6]
    assert len(rows) == 9

    def arrow(reset, timing, options, agreement=True):
        f, e, a = rows[(reset, timing, options)]
        return f"{f} → {e} ({a})" if agreement else f"{f} → {e}"

    reading = " ".join(text.split("Reading:")[1].split("## Where the error comes from")[0].split())
    default = [rows[k][2] for k in rows if k[2] == "default"]
    figures = [
        f"zero-reset {arrow('zero', 'immediate', 'default')}, subtract {arrow('subtract', 'delayed', 'default')} "
        f"and {arrow('subtract', 'immediate', 'default')}",
        f"on {100 * float(min(default)):.1f}-{100 * float(max(default)):.1f} % of entries",
        f"{arrow('subtract', 'delayed', '--weight-split 1', False)} (output agreement "
        f"{rows[('subtract', 'delayed', '--weight-split 1')][2]})",
        f"{arrow('subtract', 'delayed', '--split-sign --weight-split 1', False)} with `--split-sign` "
        f"({rows[('subtract', 'delayed', '--split-sign --weight-split 1')][2]})",
        f"single precision: {arrow('zero', 'immediate', '--weight-split 1', False)} (`--split-sign` "
        f"{rows[('zero', 'immediate', '--split-sign --weight-split 1')][1]})",
    ]
    for figure in figures:
        assert figure in reading, f"docs/quantization.md's reading does not say {figure!r} (its table does)"


def test_conversion_tables_are_the_scripts_results():
    """docs/convert.md's tables are what ``docs/scripts/convert_digits.py`` stored in
    docs/scripts/results/convert_digits.json (the script's run, named in the doc)."""
    results = json.loads((ROOT / "docs" / "scripts" / "results" / "convert_digits.json").read_text())
    lines = (ROOT / "docs" / "convert.md").read_text().splitlines()
    text = " ".join(" ".join(lines).split())

    def points(a: float, b: float) -> str:
        d = round(100 * (a - b), 2)
        return "0" if d == 0 else f"{d:.2f}".replace("-", "−")

    for net, r in results["networks"].items():
        mine = [line for line in lines if line.startswith(f"| {net.upper()} |")]
        for name, c in r["conversions"].items():
            t = c["accuracy against T"]
            row = " | ".join(f"{v:.4f}" for v in (r["ann"], *(t[k] for k in sorted(t, key=int)))) + " |"
            assert any(line.endswith(row) for line in mine), f"docs/convert.md: {net} {name}: no row ending {row!r}"
            f, emu, c_ = c["graph (reference)"], c["loihi2 (emulator)"], c["cortex-m4 (generated C)"]
            row = f"| {f:.4f} | {emu:.4f} | {points(emu, f)} | {c_:.4f} | {points(c_, f)} |"
            assert any(line.endswith(row) for line in mine), f"docs/convert.md: {net} {name}: no row ending {row!r}"
            assert c["cortex-m4 C equals emulator"]
            if name.startswith("IF"):
                e, s = c["cortex-m4 energy per sample (J)"], c["cortex-m4 latency per sample (s)"]
                row = f"| {e * 1e6:,.1f} µJ | {s * 1e3:.3g} ms |"
                assert any(line.endswith(row) for line in mine), f"docs/convert.md: {net} {name}: no row ending {row!r}"
    scales = [results["networks"]["mlp"]["conversions"][k]["scales"] for k in ("IF, 99.9th percentile", "IF, max")]
    pct, top = (" / ".join(f"{v:.2f}" for v in s.values()) for s in scales)
    assert f"(MLP: {pct} against the max's {top})" in text


def test_l2mu_tables_are_the_scripts_results():
    """docs/l2mu.md's tables and per-layer agreements are what
    ``docs/scripts/l2mu_retiming.py`` stored in docs/scripts/results/l2mu_retiming.json."""
    results = json.loads((ROOT / "docs" / "scripts" / "results" / "l2mu_retiming.json").read_text())
    text = (ROOT / "docs" / "l2mu.md").read_text()
    tables = {"test": text.split("| fold 0 (held out) |")[1].split("\n\n")[0],
              "train": text.split("| fold 2 |")[1].split("\n\n")[0]}
    for fold, table in tables.items():
        r = results["folds"][fold]
        n = r["samples"]

        def acc(v: float, n: int = n) -> str:
            return f"{v:.4f} ({round(v * n)}/{n})"

        rows = table.splitlines()
        want = [("float model", acc(r["float"]), None),
                ("retimed float model", acc(r["float retimed"]), r["same class, float vs retimed"]),
                *((f"compiled, {label}", acc(c["emulator"]), c["same class"]) for label, c in zip(
                    ("short loops on the host (1)", "retimed, whole on chip (2)", "retimed, `--weight-split 2`"),
                    r["compiled"].values()))]
        for label, accuracy, same in want:
            line = next((row for row in rows if row.startswith(f"| {label}")), "").replace("**", "")
            assert accuracy in line, f"docs/l2mu.md, {fold}: {label!r} should show {accuracy}: {line!r}"
            assert same is None or f"{same:.4f}" in line, f"docs/l2mu.md, {fold}: {label!r}: same class {same:.4f}"
    compiled = results["folds"]["test"]["compiled"]
    prose = " ".join(text.split())
    assert ", ".join(f"{k} {v:.3f}" for k, v in compiled["retimed"]["layer agreement"].items()) in prose
    split = compiled["retimed, weight_split=2"]["layer agreement"]
    assert "`--weight-split 2`: " + " / ".join(f"{v:.3f}" for v in split.values()) in prose
    for eps, row in results["sensitivity"].items():
        line = f"| {float(eps):.0e} | " + " | ".join(f"{v:.4f}" for v in row.values()) + " |"
        assert line.replace("e-0", "e-") in text, f"docs/l2mu.md lacks the sensitivity row {line!r}"


def test_mixed_all_on_chip_example_is_what_compile_says(capsys, tmp_path):
    """docs/mixed.md's ``--all-on-chip`` excerpt: each piece between its ``...`` is in
    what ``snncompile compile zoo:spikformer --all-on-chip`` prints."""
    from snncompile.cli.main import main

    assert main(["compile", "zoo:spikformer", "--all-on-chip", "-o", str(tmp_path / "x.snnc")]) == 2
    said = " ".join(capsys.readouterr().err.split())
    text = (ROOT / "docs" / "mixed.md").read_text()
    example = " ".join(text.split("--all-on-chip` turns the host list into the error, exit 2:")[1]
                       .split("```")[1].split())
    pieces = [p.strip(" ;") for p in example.split("...") if p.strip(" ;")]
    assert len(pieces) >= 3
    for piece in pieces:
        assert piece in said, f"docs/mixed.md quotes {piece!r}; compile says {said[:300]!r}..."


def test_mixed_spikformer_lowering_figures():
    """docs/mixed.md §2 on the Spikformer toy: the attention scale folded into
    ``attn_lif``'s threshold and the multiply-adds of both orders of ``(Q Kᵀ) V``."""
    from snncompile.passes.quantize import QuantizeOptions, partition_float
    from snncompile.passes.reassociate_attention import chain_costs
    from snncompile.zoo.models import zoo_graph

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = zoo_graph("spikformer")
        lowered, _ = partition_float(graph, QuantizeOptions(), None)
    name = "block.attn.attn_lif"
    shapes = lowered.infer_shapes()
    inner = {e.port: shapes[e.src] for e in lowered.incoming("matmul")}   # Q Kᵀ
    outer = {e.port: shapes[e.src] for e in lowered.incoming("matmul_1")}  # (Q Kᵀ) V
    first, second = chain_costs(inner["a"], inner["b"], outer["b"])
    heads, n, d = inner["a"]
    text = " ".join((ROOT / "docs" / "mixed.md").read_text().split())
    assert (f"into `attn_lif`'s threshold ({graph.nodes[name].threshold:.1f} → {lowered.nodes[name].threshold:.1f})"
            in text)
    assert first == second and f"(N = D = {n} per head: both orders cost {first} multiply-adds)" in text
    assert n == d and heads >= 1

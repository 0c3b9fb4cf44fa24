"""Issue 10's L2MU numbers (docs/quantization.md): the trained L2MU (`zoo:l2mu`) compiled
for loihi2 with the partition (its recurrences on the host), calibrated on the first half
of braille7_fold0; per-layer and output agreement with float over the whole fold and
accuracy on the second half, for each option set; then how much the FLOAT model's own
spikes move when its weights move by a relative ``eps`` (seeded Gaussian), which bounds
the agreement any weight precision can give.

    python docs/scripts/l2mu_quantization.py '{}' '{"auto_precision": false}'
    python docs/scripts/l2mu_quantization.py --sensitivity 1e-6 1e-5 1e-4 1e-3

``--exact OPTIONS SOURCES...``: the compiled graph (OPTIONS as above) in the error
budget's ideal emulator (:mod:`snncompile.budget.ideal`) over the whole fold, once per
SOURCES, each a ``+``-joined set of sources computed exactly (``none``: as compiled):

    python docs/scripts/l2mu_quantization.py --exact '{"weight_split": 3, "bias_split": 3, "scale_search": true,
        "auto_precision": false}' none weights decays weights+decays weights+decays+boundary
"""

import dataclasses
import json
import sys
import time

import numpy as np
import torch

from snncompile.compare import compare_graphs
from snncompile.ir import Graph
from snncompile.passes.partition import Capabilities
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.passes.quantize.spec import load_target_descriptor, spec_from_target
from snncompile.simulate.reference import simulate
from snncompile.zoo.l2mu import WEIGHTS, braille, load_l2mu

LAYERS = ["u", "m", "h", "out"]


def compiled(option_sets: list[str]) -> None:
    g, (x, y) = load_l2mu(WEIGHTS), braille("test")
    half, descriptor = len(x) // 2, load_target_descriptor("loihi2")
    for text in option_sets:
        start = time.time()
        q = quantize(g, spec_from_target(descriptor), QuantizeOptions(**json.loads(text)), {g.inputs[0]: x[:half]},
                     capabilities=Capabilities.of(descriptor))
        seconds = round(time.time() - start, 1)
        whole = compare_graphs(g, q.fixed, q.lags, x, ["reference", "emulator"])
        test = compare_graphs(g, q.fixed, q.lags, x[half:], ["reference", "emulator"], labels=y[half:])
        print(json.dumps({"options": json.loads(text), "compile_seconds": seconds,
                          "agreement": {r.layer: round(r.agreement, 4) for r in whole.pairs[0].layers},
                          "accuracy_second_half": {k: round(v, 4) for k, v in test.accuracy.items()},
                          "notes": [n for n in q.report.notes if n.startswith("precision:")]}), flush=True)


def sensitivity(epsilons: list[str]) -> None:
    g, (x, _) = load_l2mu(WEIGHTS), braille("test")
    base = simulate(g, x, record=LAYERS)
    for eps in map(float, epsilons):
        rng = np.random.default_rng(0)
        nodes = {n: dataclasses.replace(node, weight=node.weight * (1 + eps * rng.standard_normal(node.weight.shape)))
                 if isinstance(getattr(node, "weight", None), np.ndarray) else node for n, node in g.items()}
        moved = simulate(Graph(nodes, list(g.edges), g.dt), x, record=LAYERS)
        print(json.dumps({"relative_weight_noise": eps, "float_vs_float_agreement": {
            n: round(float(np.mean(base.recorded[n] == moved.recorded[n])), 4) for n in LAYERS}}), flush=True)


def exact_sources(text: str, combos: list[str]) -> None:
    from snncompile.budget.exact import exact_parameters
    from snncompile.budget.ideal import run_ideal
    from snncompile.compare import aligned_agreement

    g, (x, _) = load_l2mu(WEIGHTS), braille("test")
    half, descriptor = len(x) // 2, load_target_descriptor("loihi2")
    q = quantize(g, spec_from_target(descriptor), QuantizeOptions(**json.loads(text)), {g.inputs[0]: x[:half]},
                 capabilities=Capabilities.of(descriptor))
    reference = simulate(g, x, record=LAYERS)
    exact = exact_parameters(q.fixed, q.prepared, q.plan)
    lags = {n: int(q.lags.get(n, 0)) for n in LAYERS}
    for combo in combos:
        sources = [] if combo == "none" else combo.split("+")
        run = run_ideal(q.fixed, exact, sources, {g.inputs[0]: x}, x.shape[1] + max(lags.values()), LAYERS)
        print(json.dumps({"options": json.loads(text), "exact": sources, "agreement": {
            n: round(aligned_agreement(reference.recorded[n], run.recorded[n], lags[n]), 4) for n in LAYERS}}),
              flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1:2] == ["--sensitivity"]:
        sensitivity(sys.argv[2:])
    elif sys.argv[1:2] == ["--exact"]:
        exact_sources(sys.argv[2], sys.argv[3:])
    else:
        compiled(sys.argv[1:] or ["{}"])

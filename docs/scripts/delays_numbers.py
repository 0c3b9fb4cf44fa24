"""Toy D (zoo:delays) and the spiking TCN (zoo:tcn) compiled for Loihi 2: float against
the PyTorch modules, fixed point (emulator) against float with one and two weights per
synapse (``weight_split``), Lava against the emulator, and the NIR expansion. Prints the
numbers of docs/delays.md.

    python docs/scripts/delays_numbers.py [N_LAVA [toy_d] [tcn]]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from snncompile.compare import aligned, compare_graphs
from snncompile.emulator import emulate
from snncompile.passes.partition import Capabilities
from snncompile.passes.quantize import QuantizeOptions, quantize
from snncompile.simulate import simulate
from snncompile.targets import load_target
from snncompile.zoo import delays, tcn
from snncompile.zoo.models import zoo_graph


def toy_d(n_lava: int) -> None:
    model, graph = delays.load_delays(), zoo_graph("delays")
    x, y = delays.padded_sequence("test")
    with torch.no_grad():
        oracle = model.sequence(torch.as_tensor(x)).numpy()
    ref = simulate(graph, x).output()
    print(f"toy D float: max |membrane - PyTorch| {np.max(np.abs(ref - oracle)):.2e}, held-out accuracy "
          f"PyTorch {np.mean(oracle.sum(1).argmax(-1) == y):.4f}, IR {np.mean(ref.sum(1).argmax(-1) == y):.4f}")
    calibrate = delays.padded_sequence("train")[0][:256]
    for split in (1, 2):
        q = quantize(graph, "loihi2", QuantizeOptions(fire_on_gt=True, weight_split=split), calibrate=calibrate)
        c = compare_graphs(graph, q.fixed, q.lags, x, ["reference", "emulator"], labels=y)
        layers = ", ".join(f"{r.layer} {r.agreement:.4f}" for r in c.pairs[0].layers)
        print(f"toy D loihi2 weight_split={split}: per layer {layers}; same class "
              f"{next(iter(c.output_agreement.values())):.4f}; accuracy {c.accuracy}")
    lava = compare_graphs(graph, q.fixed, q.lags, x[:n_lava], ["emulator", "lava"])
    print(f"toy D Lava vs emulator ({n_lava} samples): first differing layer {lava.pairs[0].first_layer}, "
          f"output max error {next(iter(lava.output_max_error.values()))}")
    import nir

    from snncompile.interop.nir import read_nir, write_nir
    from snncompile.passes.fold_batchnorm import fold_batchnorm

    folded = fold_batchnorm(graph)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "delays.nir"
        write_nir(folded, path)
        written = nir.read(path)
        back = read_nir(path)
    kinds: dict[str, int] = {}
    for node in written.nodes.values():
        kinds[type(node).__name__] = kinds.get(type(node).__name__, 0) + 1
    same = all(np.array_equal(back.nodes[n].delays, node.delays) for n, node in folded.items()
               if getattr(node, "delays", None) is not None)
    print(f"toy D NIR: written nodes {kinds}; re-imported delays equal: {same}")


def spiking_tcn(n_lava: int) -> None:
    model, graph = tcn.load_tcn(), zoo_graph("tcn")
    x, y = tcn.windows("test")
    with torch.no_grad():
        floating = model.sequence(torch.as_tensor(x)).numpy()
    print(f"TCN float: held-out RMSE {tcn.rmse(floating, y):.4f} (persistence {tcn.rmse(tcn.persistence(x), y):.4f}, "
          f"zero {tcn.rmse(np.zeros_like(y), y):.4f}); max |IR - PyTorch| "
          f"{np.max(np.abs(simulate(graph, x).output() - floating)):.2e}")
    def per(forecast: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        return np.sqrt(np.mean((forecast[:, tcn.WARMUP:] - y[:, tcn.WARMUP:]) ** 2, axis=axes))

    persistence = tcn.persistence(x)
    print(f"TCN float per channel {per(floating, (0, 1)).round(4)}, persistence {per(persistence, (0, 1)).round(4)}; "
          f"lower than persistence on {int(np.sum(per(floating, (1, 2)) < per(persistence, (1, 2))))} of {len(y)} windows")
    caps = Capabilities.of(load_target("loihi2"))
    for split in (1, 2):
        q = quantize(graph, "loihi2", QuantizeOptions(weight_split=split, auto_precision=False),
                     calibrate=tcn.windows("train")[0], capabilities=caps)
        lag = q.lags["output"]
        fixed = aligned(emulate(q.fixed, x, steps=tcn.WINDOW + lag).output(), lag, tcn.WINDOW)
        forecast = fixed / q.fixed.nodes["readout"].scale
        c = compare_graphs(graph, q.fixed, q.lags, x, ["reference", "emulator"])
        layers = ", ".join(f"{r.layer} {r.agreement:.4f}" for r in c.pairs[0].layers)
        print(f"TCN loihi2 weight_split={split}: per layer {layers}; RMSE compiled vs float "
              f"{tcn.rmse(forecast, floating):.4f}, compiled vs target {tcn.rmse(forecast, y):.4f}")
    lava = compare_graphs(graph, q.fixed, q.lags, x[:n_lava], ["emulator", "lava"])
    print(f"TCN Lava vs emulator ({n_lava} samples): first differing layer {lava.pairs[0].first_layer}, "
          f"output max error {next(iter(lava.output_max_error.values()))}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    which = sys.argv[2:] or ["toy_d", "tcn"]
    if "toy_d" in which:
        toy_d(n)
    if "tcn" in which:
        spiking_tcn(n)

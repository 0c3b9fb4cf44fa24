"""Small valid files of every kind the CLI reads: what the generators mutate.

Two networks, small enough that every command on them takes milliseconds:

- ``dense``: Input (3,) -> Linear -> LIF (4,) with a recurrent Linear (delay 1) -> Linear
  -> LIF (2,) -> Output;
- ``conv``: Input (1, 6, 6) -> Conv2d (2 channels, 3x3) -> LIF -> Flatten -> Linear ->
  LIF (3,) -> Output.

For each: ``.nir``, ``.snnir``, a loihi2 ``.snnc`` artifact and an input ``.npz``
((batch 2, time 6, *features) with labels); a ``.net`` netx file (a fixed dense network
with the same input); one
target ``.toml`` (a copy of the built-in loihi2); a ``file.py`` with a ``factory`` and its
``state_dict`` ``.pt``.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snncompile.ir import LIF, Conv2d, Flatten, Graph, Input, Linear, Output, save_graph

#: the per-step feature shape of each seed network
FEATURES = {"dense": (3,), "conv": (1, 6, 6)}

FACTORY_SOURCE = '''
from torch import nn
import snncompile.nn as snn


def factory():
    return nn.Sequential(nn.Linear(3, 4), snn.LIF(decay=0.9), nn.Linear(4, 2), snn.LIF(decay=0.8))
'''


@dataclass(frozen=True)
class Seeds:
    """Where the seed files are: ``files[kind][network]`` (kinds: nir, snnir, snnc, npz,
    net), plus the target, factory and weights files."""

    folder: Path
    files: dict[str, dict[str, Path]]
    target: Path
    factory: Path
    weights: Path


def dense_graph() -> Graph:
    rng = np.random.default_rng(1)
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(3,)))
    g.add("fc1", Linear(weight=rng.uniform(0.2, 0.9, (4, 3))))
    g.add("lif1", LIF(shape=(4,), decay=np.array(0.9), threshold=np.array(1.0)))
    g.add("rec", Linear(weight=rng.uniform(-0.3, 0.3, (4, 4))))
    g.add("fc2", Linear(weight=rng.uniform(0.1, 0.8, (2, 4))))
    g.add("lif2", LIF(shape=(2,), decay=np.array(0.8), threshold=np.array(0.7)))
    g.add("y", Output(shape=(2,)))
    g.chain("x", "fc1", "lif1", "fc2", "lif2", "y")
    g.connect("lif1", "rec", 1)
    g.connect("rec", "lif1")
    return g.validate()


def conv_graph() -> Graph:
    rng = np.random.default_rng(2)
    g = Graph(dt=1e-3)
    g.add("x", Input(shape=(1, 6, 6)))
    g.add("conv", Conv2d(weight=rng.uniform(0.1, 0.6, (2, 1, 3, 3))))
    g.add("lif1", LIF(shape=(2, 4, 4), decay=np.array(0.9)))
    g.add("flat", Flatten())
    g.add("fc", Linear(weight=rng.uniform(0.0, 0.3, (3, 32))))
    g.add("lif2", LIF(shape=(3,), decay=np.array(0.9)))
    g.add("y", Output(shape=(3,)))
    g.chain("x", "conv", "lif1", "flat", "fc", "lif2", "y")
    return g.validate()


def netx_graph() -> Graph:
    """A fixed graph netx holds: Input (3,) -> dense -> LIF (4,) -> dense -> LIF (2,)."""
    from snncompile.ir.fixed import FixedGraphBuilder

    b = FixedGraphBuilder((3,))
    b.linear(np.array([[20, 40, -60], [80, 0, 20], [30, 30, 30], [0, 90, 10]]))
    b.lif(du=1023, dv=100, vth=50)
    b.linear(np.array([[50, 60, 0, 20], [10, 0, 70, 40]]))
    b.lif(du=1023, dv=200, vth=40)
    b.output()
    return b.graph.validate()


def spikes(features: tuple[int, ...], batch: int = 2, steps: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((batch, steps, *features)) < 0.5).astype(np.float32)


def make_seeds(folder: str | Path) -> Seeds:
    """Write every seed file into ``folder`` (created) and say where they are."""
    from snncompile.compile import build_artifact, save_artifact
    from snncompile.interop.netx import write_netx
    from snncompile.interop.nir import write_nir

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Path]] = {k: {} for k in ("nir", "snnir", "snnc", "npz", "net")}
    for name, graph in (("dense", dense_graph()), ("conv", conv_graph())):
        x = spikes(FEATURES[name])
        files["npz"][name] = folder / f"{name}.npz"
        np.savez(files["npz"][name], input=x, labels=np.arange(x.shape[0]) % 2)
        files["snnir"][name] = folder / f"{name}.snnir"
        save_graph(graph, files["snnir"][name])
        files["nir"][name] = folder / f"{name}.nir"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write_nir(graph, files["nir"][name])
            artifact = build_artifact(graph, "loihi2", calibrate=x, source=str(files["nir"][name]))
        files["snnc"][name] = folder / f"{name}.snnc"
        save_artifact(artifact, files["snnc"][name])
    files["net"]["dense"] = folder / "dense.net"
    write_netx(netx_graph(), files["net"]["dense"])
    from snncompile.targets.loader import builtin_dir

    target = folder / "chip.toml"
    shutil.copyfile(builtin_dir() / "loihi2.toml", target)
    text = target.read_text().replace('name = "loihi2"', 'name = "chip"', 1)
    target.write_text(text)
    factory = folder / "model.py"
    factory.write_text(FACTORY_SOURCE)
    weights = folder / "weights.pt"
    _save_weights(factory, weights)
    return Seeds(folder, files, target, factory, weights)


def _save_weights(factory: Path, weights: Path) -> None:
    import torch

    from snncompile.frontends.torch import load_factory

    torch.manual_seed(0)
    model = load_factory(f"{factory}:factory", None, (3,))
    torch.save(model.state_dict(), weights)

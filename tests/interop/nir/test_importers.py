"""snncompile's NIR output read back by each framework's own importer (snnTorch
``import_from_nir``, Norse ``from_nir``, sinabs ``from_nir``, SpikingJelly
``import_from_nir``, Rockpool ``from_nir``) runs with the same spikes, layer by layer,
where the framework can express the network; where it cannot, the export warns naming
the field it drops (snncompile.interop.nir.importers)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from snncompile.interop.nir import to_nir
from snncompile.interop.nir.importers import IMPORTERS
from snncompile.ir import IF, LIF, CubaLIF, Graph, Input, Linear, Output, Reset, ResetTiming
from snncompile.ir import Comparator as Cmp
from snncompile.simulate import simulate

pytestmark = pytest.mark.frameworks
BATCH, STEPS = 2, 120
torch.set_num_threads(1)


def _graph(dt: float, *neurons, w2: float = 1.0) -> Graph:
    """Input(8) -> Linear -> neurons[0] (12) -> Linear (x w2) -> neurons[1] (5) -> Output."""
    rng = np.random.default_rng(0)
    g = Graph(dt=dt)
    g.add("input", Input(shape=(8,)))
    g.add("fc1", Linear(weight=np.abs(rng.normal(size=(12, 8))), bias=rng.normal(size=12) * 0.1))
    g.add("n1", neurons[0](12))
    g.add("fc2", Linear(weight=np.abs(rng.normal(size=(5, 12))) * w2, bias=np.zeros(5)))
    g.add("n2", neurons[1](5))
    g.add("output", Output(shape=(5,)))
    g.chain("input", "fc1", "n1", "fc2", "n2", "output")
    return g.validate()


def _x(scale: float) -> np.ndarray:
    return np.random.default_rng(1).uniform(0, scale, size=(BATCH, STEPS, 8))


def _export(graph: Graph, dialect: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = to_nir(graph, dialect=dialect)
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _stepwise(module, names, x, call) -> dict[str, np.ndarray]:
    seen: dict[str, list] = {n: [] for n in names}
    handles = []
    for n in names:
        def hook(mod, args, out, n=n):
            seen[n].append((out[0] if isinstance(out, tuple) else out).detach().clone())
        handles.append(module.get_submodule(n).register_forward_hook(hook))
    state = [None]
    with torch.no_grad():
        for t in range(x.shape[1]):
            call(module, torch.tensor(x[:, t], dtype=torch.float32), state)
    for h in handles:
        h.remove()
    return {n: torch.stack(v, 1).numpy() for n, v in seen.items()}


def _compare(graph: Graph, x: np.ndarray, theirs: dict[str, np.ndarray]) -> None:
    ours = simulate(graph, x, record=list(theirs)).recorded
    for name, spikes in theirs.items():
        assert ours[name].sum() > 0, f"{name} never spiked"
        mismatch = int(np.sum(ours[name] != spikes.reshape(ours[name].shape)))
        assert mismatch == 0, f"{name}: {mismatch} mismatched spikes of {ours[name].size}"


def _stateful(module, xt, state):
    _, state[0] = module(xt, state[0])


# -- snnTorch ------------------------------------------------------------------------------
def test_snntorch_import_runs_the_same_spikes():
    from snntorch.import_nir import import_from_nir

    graph = _graph(1e-3, lambda n: LIF(shape=(n,), decay=0.875, gain=1.0, threshold=1.0),
                   lambda n: CubaLIF(shape=(n,), syn_decay=0.625, syn_gain=1.0, decay=0.875, gain=1.0, threshold=1.0))
    nir_graph, notes = _export(graph, "snntorch")
    assert notes == []
    module = import_from_nir(nir_graph)
    x = _x(1.0)
    _compare(graph, x, _stepwise(module, ["n1", "n2"], x, lambda m, xt, s: m(xt)))


def test_snntorch_export_warns_what_its_importer_drops():
    graph = _graph(1e-4, lambda n: LIF(shape=(n,), decay=0.875, reset=Reset.SUBTRACT, reset_timing=ResetTiming.DELAYED),
                   lambda n: IF(shape=(n,), comparator=Cmp.GE))
    _, notes = _export(graph, "snntorch")
    assert "node 'n1' (LIF): snntorch's importer drops reset: it runs reset=zero" in notes
    assert "node 'n1' (LIF): snntorch's importer drops reset_timing: it runs reset_timing=immediate" in notes
    assert "node 'n2' (IF): snntorch's importer drops comparator: it runs comparator '>'" in notes
    assert any("node 'n2' (IF): snntorch's importer drops IF: it runs IF as snn.Leaky(beta=0.9)" in n for n in notes)


# -- Norse -------------------------------------------------------------------------------------
def test_norse_import_runs_the_same_spikes():
    import norse.torch as norse

    dt = 1e-3
    graph = _graph(dt, lambda n: LIF(shape=(n,), decay=0.8, gain=0.2, threshold=0.3),
                   lambda n: CubaLIF(shape=(n,), syn_decay=0.7, syn_gain=0.3, decay=0.85, gain=0.15, threshold=0.1))
    nir_graph, notes = _export(graph, "norse")
    assert notes == []
    module = norse.from_nir(nir_graph, dt=dt)
    x = _x(1.0)
    _compare(graph, x, _stepwise(module, ["n1", "n2"], x, _stateful))


def test_norse_export_warns_what_its_importer_drops():
    graph = _graph(1e-3, lambda n: LIF(shape=(n,), decay=0.8, gain=1.0, v_reset=-0.1),
                   lambda n: IF(shape=(n,), gain=2.0))
    _, notes = _export(graph, "norse")
    assert any("'n1' (LIF): norse's importer drops v_reset" in n for n in notes)
    assert any("'n1' (LIF): norse's importer drops gain: it runs r = 1" in n for n in notes)
    assert any("'n2' (IF): norse's importer drops gain" in n for n in notes)


# -- sinabs -------------------------------------------------------------------------------------
def test_sinabs_import_runs_the_same_spikes_while_one_spike_per_step_suffices():
    from sinabs import from_nir

    def lif(n):
        return LIF(shape=(n,), decay=np.exp(-1 / 4.0), gain=1.0, threshold=1.0, reset=Reset.SUBTRACT, comparator=Cmp.GE)

    def iaf(n):
        return IF(shape=(n,), gain=1.0, threshold=1.0, reset=Reset.SUBTRACT, comparator=Cmp.GE)

    graph = _graph(1e-3, iaf, lif, w2=0.05)
    nir_graph, notes = _export(graph, "sinabs")
    assert all("drops spikes per step" in n for n in notes) and len(notes) == 2  # the runtime caveat only
    module = from_nir(nir_graph, batch_size=BATCH)
    x = _x(0.12)  # small enough that no membrane reaches 2 thresholds, nor goes below -threshold
    seen = {}
    hooks = [module.get_submodule(n).register_forward_hook(lambda m, a, o, n=n: seen.__setitem__(n, o.detach()))
             for n in ("n1", "n2")]
    with torch.no_grad():
        module(torch.tensor(x, dtype=torch.float32).reshape(BATCH * STEPS, 8))
    for h in hooks:
        h.remove()
    theirs = {n: s.reshape(BATCH, STEPS, -1).numpy() for n, s in seen.items()}
    assert max(s.max() for s in theirs.values()) == 1  # sinabs' MultiSpike emitted single spikes only
    _compare(graph, x, theirs)


# -- SpikingJelly --------------------------------------------------------------------------------
def test_spikingjelly_import_runs_the_same_spikes():
    from spikingjelly.activation_based.nir_exchange.from_nir import import_from_nir

    graph = _graph(1e-4, lambda n: LIF(shape=(n,), decay=0.5, gain=0.5, threshold=1.0, comparator=Cmp.GE),
                   lambda n: IF(shape=(n,), gain=1.0, threshold=1.0, comparator=Cmp.GE))
    nir_graph, notes = _export(graph, "spikingjelly")
    assert notes == []
    module = import_from_nir(nir_graph, dt=1e-4)
    x = _x(3.0)
    _compare(graph, x, _stepwise(module, ["n1", "n2"], x, _stateful))


# -- Rockpool -------------------------------------------------------------------------------------
def test_rockpool_import_runs_the_same_spikes():
    from rockpool.nn.modules.torch.nir import from_nir

    def cuba(n):
        a, b = np.exp(-1e-3 / 0.02), np.exp(-1e-3 / 0.005)
        return CubaLIF(shape=(n,), syn_decay=b, syn_gain=b, decay=a, gain=1.0, threshold=1.0, reset=Reset.SUBTRACT,
                       comparator=Cmp.GE)

    graph = _graph(1e-3, cuba, cuba, w2=0.02)
    nir_graph, notes = _export(graph, "rockpool")
    assert all("drops spikes per step" in n for n in notes) and len(notes) == 2
    module = from_nir(nir_graph)
    x = _x(0.015)
    seen = {}
    hooks = [module.get_submodule(n).register_forward_hook(
        lambda m, a, o, n=n: seen.__setitem__(n, (o[0] if isinstance(o, tuple) else o).detach())) for n in ("n1", "n2")]
    with torch.no_grad():  # the whole sequence at once: Rockpool modules take (batch, time, n)
        module(torch.tensor(x, dtype=torch.float32))
    for h in hooks:
        h.remove()
    theirs = {n: s.numpy() for n, s in seen.items()}
    assert max(s.max() for s in theirs.values()) == 1
    _compare(graph, x, theirs)


def test_every_importer_names_its_source():
    assert sorted(IMPORTERS) == ["norse", "rockpool", "sinabs", "snntorch", "spikingjelly"]
    for spec in IMPORTERS.values():
        assert spec.reader and spec.drops

"""The NIR exporter table of docs/nir.md: each framework's own exporter, read back by
snncompile with the matching dialect, compared spike for spike with the framework's own
forward pass (every neuron layer, every step).

    python docs/scripts/nir_exporters.py            # print the table
    python docs/scripts/nir_exporters.py --write    # rewrite it in docs/nir.md

``tests/interop/nir/test_exporters.py`` runs the same cases, asserts 0 mismatches for
every "identical" / "corrected" row and that docs/nir.md holds the table a fresh run
generates. Models run in float64 where the framework allows it (Norse keeps its
parameters in float32), on random inputs scaled so that every neuron layer spikes
(asserted), batch 2 x 120 steps.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nir
import numpy as np
import torch

from snncompile.interop.nir import read_nir
from snncompile.ir import SpikingNeuron
from snncompile.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "nir.md"
BEGIN, END = "<!-- exporter-table:begin -->", "<!-- exporter-table:end -->"
BATCH, STEPS = 2, 120
torch.set_num_threads(1)


@dataclass
class Export:
    """What a case produced: the graph (or why the exporter failed), the input and the
    framework's spikes per neuron layer in order (batch, time, ...)."""

    graph: nir.NIRGraph | None
    x: np.ndarray | None = None
    spikes: list[np.ndarray] = field(default_factory=list)
    failure: str = ""


@dataclass(frozen=True)
class Case:
    framework: str
    neuron: str
    layers: str
    dialect: str
    run: Callable[[], Export]
    expect: str  # identical | corrected | refused
    reason: str = ""
    options: tuple[tuple[str, str], ...] = ()  # read_nir arguments besides the dialect (CLI flags)


@dataclass
class Row:
    case: Case
    status: str
    spikes: int = 0
    mismatches: int = 0
    plain: int = 0  # mismatches read as plain NIR (no dialect)
    notes: list[str] = field(default_factory=list)
    silent: list[int] = field(default_factory=list)  # spike counts per layer
    file: str = "written"  # or why nir.write failed (then the graph is read in memory)


def _x(shape: tuple[int, ...], scale: float, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.rand((BATCH, STEPS, *shape), generator=gen, dtype=torch.float64) * scale


def _record(modules: list[torch.nn.Module]) -> tuple[list[list[torch.Tensor]], list]:
    seen: list[list[torch.Tensor]] = [[] for _ in modules]

    def hook(i):
        def fn(module, args, output):
            out = output[0] if isinstance(output, tuple) else output
            seen[i].append(out.detach().clone())
        return fn

    return seen, [m.register_forward_hook(hook(i)) for i, m in enumerate(modules)]


def _stepwise(model, x: torch.Tensor, neurons: list[torch.nn.Module], step) -> list[np.ndarray]:
    seen, handles = _record(neurons)
    with torch.no_grad():
        for t in range(x.shape[1]):
            step(model, x[:, t])
    for h in handles:
        h.remove()
    return [torch.stack(s, 1).numpy() for s in seen]


# -- snnTorch 1.0.0 --------------------------------------------------------------------------
def _snntorch(kind: str, conv: bool, scale: float, reset: str = "subtract") -> Callable[[], Export]:
    def run() -> Export:
        import snntorch as snn
        from snntorch.export_nir import export_to_nir
        from torch import nn

        torch.manual_seed(0)
        n = 12 if not conv else (4, 6, 6)
        cells = {
            "Leaky": lambda: snn.Leaky(beta=torch.full(_t(n), 0.875), threshold=torch.ones(_t(n)), init_hidden=True,
                                       reset_mechanism=reset),
            "Synaptic": lambda: snn.Synaptic(alpha=torch.full(_t(n), 0.625), beta=torch.full(_t(n), 0.85),
                                             threshold=torch.ones(_t(n)), init_hidden=True),
            "RLeaky": lambda: snn.RLeaky(beta=torch.full(_t(n), 0.875), threshold=torch.ones(_t(n)),
                                         linear_features=12, init_hidden=True),
            "RSynaptic": lambda: snn.RSynaptic(alpha=torch.full(_t(n), 0.625), beta=torch.full(_t(n), 0.85),
                                               threshold=torch.ones(_t(n)), linear_features=12, init_hidden=True),
        }
        m = (3, 4, 4) if conv else (5,)  # (per-neuron parameters: the exporter refuses per-channel ones)
        out_cell = snn.Synaptic(alpha=torch.full(m, 0.5), beta=torch.full(m, 0.875), threshold=torch.ones(m),
                                init_hidden=True)
        if reset == "zero":  # (--reset applies to every layer, and snnTorch's zero-reset Synaptic is not expressible)
            out_cell = snn.Leaky(beta=torch.full(m, 0.75), threshold=torch.ones(m), init_hidden=True, reset_mechanism=reset)
        if conv:  # (no Flatten: the exporter needs an unbatched sample, then Flatten(1) breaks the trace)
            model = nn.Sequential(nn.Conv2d(2, 4, 3), cells[kind](), nn.Conv2d(4, 3, 3), out_cell)
            shape: tuple[int, ...] = (2, 8, 8)
        else:
            model = nn.Sequential(nn.Linear(8, 12), cells[kind](), nn.Linear(12, 5), out_cell)
            shape = (8,)
        neurons = [m for m in model if isinstance(m, snn.SpikingNeuron)]
        try:  # (nirtorch traces snnTorch models in float32 only: the model stays float32)
            graph = export_to_nir(model, torch.zeros(shape))
        except Exception as exc:  # the exporter's own failure is the result
            return Export(None, failure=_why(exc))
        from snntorch import utils

        utils.reset(model)
        x = _x(shape, scale).float()
        return Export(graph, x.double().numpy(), _stepwise(model, x, neurons, lambda m, xt: m(xt)))

    return run


def _t(n) -> tuple[int, ...]:
    return (n,) if isinstance(n, int) else tuple(n)


def _snntorch_scalar_beta() -> Export:
    """Leaky(beta=0.9): export_to_nir raises in nir's type inference (0-d parameters)."""
    import snntorch as snn
    from snntorch.export_nir import export_to_nir
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 12), snn.Leaky(beta=0.9, init_hidden=True))
    try:
        export_to_nir(model, torch.zeros(8))
    except Exception as exc:
        return Export(None, failure=_why(exc))
    raise AssertionError("snnTorch exported a scalar-beta Leaky: update the table")


def _snntorch_conv_recurrent() -> Export:
    import snntorch as snn
    from snntorch.export_nir import export_to_nir
    from torch import nn

    model = nn.Sequential(nn.Conv2d(2, 4, 3), snn.RLeaky(beta=0.9, conv2d_channels=4, kernel_size=3, init_hidden=True))
    try:
        export_to_nir(model, torch.zeros((2, 8, 8)))
    except Exception as exc:
        return Export(None, failure=_why(exc))
    raise AssertionError("snnTorch exported a conv-recurrent RLeaky: update the table")


# -- Norse 1.1.0 ------------------------------------------------------------------------------
def _norse(conv: bool, scale: float) -> Callable[[], Export]:
    def run() -> Export:
        import norse.torch as norse
        from norse.torch.utils.export_nir import to_nir
        from torch import nn

        torch.manual_seed(0)
        box = norse.LIFBoxCell(norse.LIFBoxParameters(tau_mem_inv=torch.tensor(200.0), v_th=torch.tensor(0.3)))
        lif = norse.LIFCell(norse.LIFParameters(tau_syn_inv=torch.tensor(300.0), tau_mem_inv=torch.tensor(150.0),
                                                v_th=torch.tensor(0.2)))
        if conv:
            model = norse.SequentialState(nn.Conv2d(2, 4, 3), box, nn.Conv2d(4, 3, 3), lif)
            shape: tuple[int, ...] = (2, 8, 8)
        else:
            model = norse.SequentialState(nn.Linear(8, 12), box, nn.Linear(12, 5), lif)
            shape = (8,)
        model = model.double()
        graph = to_nir(model, torch.zeros((1, *shape), dtype=torch.float64))
        x = _x(shape, scale)
        state = [None]

        def step(m, xt):
            out, state[0] = m(xt, state[0])

        return Export(graph, x.numpy(), _stepwise(model, x, [box, lif], step))

    return run


# -- sinabs 3.1.3 ------------------------------------------------------------------------------
def _sinabs(multi: bool, scale: float) -> Callable[[], Export]:
    def run() -> Export:
        import sinabs
        import sinabs.layers as sl
        from sinabs.activation import MultiSpike, SingleSpike
        from torch import nn

        torch.manual_seed(0)
        fn = MultiSpike if multi else SingleSpike
        iaf = sl.IAFSqueeze(batch_size=BATCH, spike_fn=fn)
        lif = sl.LIFSqueeze(tau_mem=torch.tensor(5.0), batch_size=BATCH, spike_fn=fn, spike_threshold=torch.tensor(0.5))
        model = nn.Sequential(nn.Conv2d(2, 4, 3), iaf, sl.SumPool2d(2), nn.Flatten(), nn.Linear(36, 5), lif)
        model[4].weight.data.abs_()  # (excitatory readout weights: the LIF layer must spike too)
        shape = (2, 8, 8)
        x = _x(shape, scale).float()  # (sinabs keeps its states in float32)
        seen, handles = _record([iaf, lif])
        with torch.no_grad():
            model(x.reshape(BATCH * STEPS, *shape))
        for h in handles:
            h.remove()
        spikes = [s[0].reshape(BATCH, STEPS, *s[0].shape[1:]).numpy() for s in seen]
        graph = sinabs.to_nir(model, torch.zeros((BATCH, *shape)))
        return Export(graph, x.double().numpy(), spikes)

    return run


# -- SpikingJelly 2.0.0 --------------------------------------------------------------------------
def _spikingjelly(conv: bool, scale: float) -> Callable[[], Export]:
    def run() -> Export:
        from spikingjelly.activation_based import functional, layer, neuron
        from spikingjelly.activation_based.nir_exchange.to_nir import export_to_nir

        torch.manual_seed(0)
        lif, iff = neuron.LIFNode(tau=2.0), neuron.IFNode()
        if conv:
            model = torch.nn.Sequential(layer.Conv2d(2, 4, 3), lif, layer.Flatten(), layer.Linear(144, 5), iff)
            shape: tuple[int, ...] = (2, 8, 8)
        else:
            model = torch.nn.Sequential(layer.Linear(8, 12), lif, layer.Linear(12, 5), iff)
            shape = (8,)
        model = model.double()
        graph = export_to_nir(model, torch.zeros((1, *shape), dtype=torch.float64))
        functional.reset_net(model)
        x = _x(shape, scale)
        return Export(graph, x.numpy(), _stepwise(model, x, [lif, iff], lambda m, xt: m(xt)))

    return run


# -- Rockpool 3.1.0 ----------------------------------------------------------------------------
def _rockpool(scale: float) -> Export:
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFTorch, LinearTorch
    from rockpool.nn.modules.torch.nir import to_nir

    torch.manual_seed(0)
    lif1 = LIFTorch(12, tau_mem=0.02, tau_syn=0.005, max_spikes_per_dt=1.0)
    lif2 = LIFTorch(5, tau_mem=0.01, tau_syn=0.01, max_spikes_per_dt=1.0)
    model = Sequential(LinearTorch((8, 12), has_bias=True), lif1, LinearTorch((12, 5)), lif2)
    x = _x((8,), scale).float()
    graph = to_nir(model, torch.zeros((1, 1, 8)))
    model.reset_state()
    with torch.no_grad():
        _, _, record = model(x, record=True)
    spikes = [record[k]["spikes"].numpy() for k in ("1_LIFTorch", "3_LIFTorch")]
    return Export(graph, x.double().numpy(), spikes)


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text[:110]}"


CASES: list[Case] = [
    *[Case("snnTorch 1.0.0", kind, "Linear", "snntorch", _snntorch(kind, False, 1.0), "corrected" if kind[0] == "R"
           else "identical") for kind in ("Leaky", "Synaptic", "RLeaky", "RSynaptic")],
    *[Case("snnTorch 1.0.0", kind, "Conv2d", "snntorch", _snntorch(kind, True, 1.5), "identical")
      for kind in ("Leaky", "Synaptic")],
    Case("snnTorch 1.0.0", "Leaky (reset_mechanism='zero')", "Linear", "snntorch", _snntorch("Leaky", False, 1.5, "zero"),
         "identical", options=(("reset", "zero"),)),
    Case("snnTorch 1.0.0", "Leaky (scalar beta)", "Linear", "snntorch", _snntorch_scalar_beta, "refused",
         "export_to_nir raises (nir 1.0.8 type inference on 0-d parameters); vector beta works"),
    Case("snnTorch 1.0.0", "RLeaky (conv2d_channels)", "Conv2d", "snntorch", _snntorch_conv_recurrent, "refused",
         "export_to_nir writes a recurrent Conv2d as a flat subgraph of channel size and fails"),
    Case("Norse 1.1.0", "LIFBoxCell, LIFCell", "Linear", "norse", _norse(False, 2.0), "corrected"),
    Case("Norse 1.1.0", "LIFBoxCell, LIFCell", "Conv2d", "norse", _norse(True, 1.0), "corrected"),
    Case("sinabs 3.1.3", "IAF, LIF (SingleSpike)", "Conv2d, SumPool2d, Flatten, Linear", "sinabs",
         _sinabs(False, 1.0), "corrected"),
    Case("sinabs 3.1.3", "IAF, LIF (MultiSpike, default)", "Conv2d, SumPool2d, Flatten, Linear", "sinabs",
         _sinabs(True, 3.0), "refused",
         "MultiSpike emits floor(v / threshold) spikes per step; IR neurons emit at most one"),
    Case("SpikingJelly 2.0.0", "LIFNode, IFNode", "Linear", "spikingjelly", _spikingjelly(False, 4.0), "corrected"),
    Case("SpikingJelly 2.0.0", "LIFNode, IFNode", "Conv2d, Flatten, Linear", "spikingjelly",
         _spikingjelly(True, 4.0), "corrected"),
    Case("Rockpool 3.1.0", "LIFTorch (max_spikes_per_dt=1)", "Linear", "rockpool", lambda: _rockpool(3.0), "corrected"),
]


def read(source: nir.NIRGraph | str, dialect: str | None, **options: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ir = read_nir(source, dialect=dialect, **options)
    return ir, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def as_file(graph: nir.NIRGraph, folder: str) -> tuple[nir.NIRGraph | str, str]:
    """The graph written with nir.write (what a user hands on), or the graph itself and
    why nir.write failed (0-d parameters and unset conv shapes cannot be written)."""
    path = f"{folder}/export.nir"
    try:
        nir.write(path, graph)
    except Exception as exc:
        return graph, f"nir.write fails ({_why(exc)}): read in memory"
    return path, "written"


def compare(ir, export: Export) -> tuple[int, list[int]]:
    """(mismatched spike entries over all neuron layers, spikes per framework layer)."""
    names = [n for n, node in ir.items() if isinstance(node, SpikingNeuron)]
    if len(names) != len(export.spikes):
        raise AssertionError(f"{len(names)} spiking layers read, {len(export.spikes)} recorded")
    result = simulate(ir, export.x, record=names)
    mismatches = 0
    for name, theirs in zip(names, export.spikes):
        ours = result.recorded[name]
        mismatches += int(np.sum(ours != np.asarray(theirs).reshape(ours.shape)))
    return mismatches, [int(np.sum(s)) for s in export.spikes]


def run_case(case: Case) -> Row:
    export = case.run()
    if export.graph is None:
        return Row(case, "refused", notes=[export.failure])
    with tempfile.TemporaryDirectory() as folder:
        source, written = as_file(export.graph, folder)
        ir, notes = read(source, case.dialect, **dict(case.options))
        mismatches, counts = compare(ir, export)
        try:
            plain = compare(read(source, None)[0], export)[0]
        except Exception as exc:  # plain NIR may not even read it
            plain = -1
            notes.append(f"plain NIR: {_why(exc)}")
    corrected = any(n.split(": ", 1)[-1].startswith(f"--from {case.dialect}") for n in notes)
    status = case.expect if case.expect == "refused" else ("corrected" if corrected else "identical")
    return Row(case, status, int(sum(counts)), mismatches, plain, notes, counts, written)


def table(rows: list[Row]) -> str:
    lines = [
        "| framework | neurons | layers | `--from` | result | spikes | mismatches | read as plain NIR | file |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r.case
        if r.notes and r.status == "refused" and not r.spikes:
            result, spikes, mism, plain, r.file = f"refused: {c.reason} (`{r.notes[0]}`)", "-", "-", "-", "-"
        else:
            result = {"identical": "identical", "corrected": "corrected by dialect",
                      "refused": f"refused: {c.reason}"}[r.status]
            spikes, mism = str(r.spikes), str(r.mismatches)
            plain = "unreadable" if r.plain < 0 else f"{r.plain} mismatches"
        flags = "".join(f" --{k.replace('_', '-')} {v}" for k, v in c.options)
        lines.append(f"| {c.framework} | {c.neuron} | {c.layers} | {c.dialect}{flags} | {result} | {spikes} | {mism} | {plain} "
                     f"| {r.file} |")
    return "\n".join(lines)


def generate() -> str:
    return table([run_case(c) for c in CASES])


def write(text: str) -> None:
    doc = DOC.read_text()
    head, rest = doc.split(BEGIN)
    _, tail = rest.split(END)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


if __name__ == "__main__":
    generated = generate()
    if "--write" in sys.argv:
        write(generated)
    print(generated)
